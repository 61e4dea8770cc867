//! Closed-form queueing results (Erlang B/C, M/M/c) to validate the simulator against.
//! (Being written: see the validation work.)
