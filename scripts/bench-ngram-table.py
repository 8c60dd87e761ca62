#!/usr/bin/python3
"""bench-ngram-table.py STEM - the two tables of BENCHMARKS.md's "Order-K n-grams"
section from STEM.ngram.json (makemore-bench) and STEM.ngram-cli.json (hyperfine),
both written by scripts/bench-ngram.sh.  Medians; one-thread rows also as a rate
over the thread's CPU time."""
import json
import sys

stem = sys.argv[1]
d = json.load(open(stem + '.ngram.json'))
byt = {k.split(':', 1)[1]: int(v.split()[-2]) for k, v in d['context'].items()
       if k.startswith('corpus:')}
med = {}
for b in d['benchmarks']:
    if b.get('aggregate_name') == 'median':
        _, table, K, t, corpus = b['run_name'].replace('/real_time', '').split('/')
        med[(table, K, t, corpus)] = b
cells = {'K2': '27² = 729 (5.8 KB, L1)', 'K3': '27³ = 19,683 (157 KB, L2)',
         'K4': '27⁴ = 531,441 (4.3 MB, L3)', 'K5': '27⁵ = 14.3 M (115 MB, RAM)'}
print('| order | dense table per thread | corpus | dense t1 | hash t1 | dense t2 | hash t2 |')
print('| --- | --- | --- | ---: | ---: | ---: | ---: |')
for corpus in [c for c in ['ssa-births-10pct', 'drawn', 'names'] if c in byt]:
    for K in ['K2', 'K3', 'K4', 'K5']:
        row = []
        for t in ['t1', 't2']:
            for table in ['dense', 'hash']:
                b = med[(table, K, t, corpus)]
                real = b['bytes_per_second'] / 1e6
                if t == 't1':
                    cpu = byt[corpus] / (b['cpu_time'] / 1e3) / 1e6
                    row.append(f'{real:.0f} ({cpu:.0f})')
                else:
                    row.append(f'{real:.0f}')
        print(f'| {K[1]} | {cells[K]} | {corpus} ({byt[corpus] / 1e6:.2f} MB) | ' +
              ' | '.join(row) + ' |')
print()
d = json.load(open(stem + '.ngram-cli.json'))
print('| corpus | K | makemore count | makemore count + export --arpa | IRSTLM build-lm.sh '
      '| build-lm / count |')
print('| --- | --- | ---: | ---: | ---: | ---: |')
r = {(x['tool'], x['corpus'], x['order']): x for x in d['results']}
for c in ['names', 'drawn']:
    for K in [3, 5]:
        a, b, i = (r[(tool, c, K)] for tool in
                   ('makemore count', 'makemore count+arpa', 'irstlm build-lm'))
        print(f"| {c} ({a['bytes'] / 1e6:.2f} MB) | {K} | {a['median'] * 1e3:.0f} ms | "
              f"{b['median'] * 1e3:.0f} ms | {i['median'] * 1e3:.0f} ms | "
              f"x{i['median'] / a['median']:.1f} |")
