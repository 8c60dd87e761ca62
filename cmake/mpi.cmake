# mpi.cmake - the optional MPI engine (-DMM_WITH_MPI=ON): makemore-mpi, whose
# count, eval and train commands run under `mpirun -np K` with each rank
# reading one part of the corpus (docs/MPI.md), and its tests, which run it
# on 2 and 3 ranks on this machine and compare with the single-process
# makemore.  Debian: openmpi-bin libopenmpi-dev (scripts/deps.sh group mpi).
find_package(MPI REQUIRED COMPONENTS C)

file(GLOB MM_MPI_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/mpi/*.c)
# makemore's commands (mm_cli: src/cli/) plus the MPI layer (src/mpi/).
add_executable(makemore-mpi ${MM_MPI_SOURCES})
target_include_directories(makemore-mpi PRIVATE ${PROJECT_SOURCE_DIR}/src/mpi)
target_link_libraries(makemore-mpi PRIVATE mm_cli makemore_lib mm_internal MPI::MPI_C m)
install(TARGETS makemore-mpi RUNTIME DESTINATION bin)

if(MM_BUILD_TESTS)
  # tests/mpi/<name>.sh runs as mpi_<name>_np2 (mpirun -np 2) and
  # mpi_<name>_np3 (mpirun -np 3 --oversubscribe: more ranks than cores).
  # Loopback only (shared memory + self), allowed as root, and without the
  # CMA single-copy mechanism that containers forbid.
  set(MM_MPI_TEST_ENV
    "MM_NAMES=${MM_NAMES_FILE}"
    "MAKEMORE=$<TARGET_FILE:makemore>"
    "MAKEMORE_MPI=$<TARGET_FILE:makemore-mpi>"
    "MPIEXEC=${MPIEXEC_EXECUTABLE}"
    "MM_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    "MM_TEST_TMP=${PROJECT_BINARY_DIR}/tests/tmp"
    "OMPI_ALLOW_RUN_AS_ROOT=1"
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"
    "OMPI_MCA_btl=self,vader"
    "OMPI_MCA_btl_vader_single_copy_mechanism=none"
    "OMPI_MCA_rmaps_base_oversubscribe=1")
  file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/tests/tmp)
  file(GLOB MM_MPI_TESTS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/mpi/*.sh)
  foreach(script ${MM_MPI_TESTS})
    get_filename_component(name ${script} NAME_WE)
    foreach(np 2 3)
      set(flags "")
      if(np GREATER 2)
        set(flags "--oversubscribe")
      endif()
      add_test(NAME mpi_${name}_np${np} COMMAND ${MM_TEST_STRICT} bash ${script})
      set_tests_properties(mpi_${name}_np${np} PROPERTIES
        ENVIRONMENT "${MM_MPI_TEST_ENV};MM_MPI_NP=${np};MM_MPI_FLAGS=${flags}"
        PROCESSORS ${np} SKIP_RETURN_CODE 77 TIMEOUT 900)
    endforeach()
  endforeach()
endif()
