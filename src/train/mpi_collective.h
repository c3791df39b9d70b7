// The Collective of a job started by `mpirun -np N` (Open MPI): MPI_COMM_WORLD's ranks, sums by
// MPI_Allreduce / MPI_Iallreduce. Nothing else in the engine includes <mpi.h>.
#pragma once

#include <memory>

#include "train/collective.h"

namespace hm {

// True when this process was started by mpirun (Open MPI or a PMI launcher set its rank in
// the environment); a plain `hulumed train` never initialises MPI.
bool LaunchedByMpirun();

// Initialises MPI (once per process; finalised when the returned object is destroyed).
std::unique_ptr<Collective> ConnectMpiRanks();

}  // namespace hm
