//! Traffic: the rate function λ(t) and the request stream drawn from it.
//!
//! λ(t) = `base_rate` × the product of every shape's multiplier at t. Arrivals are a
//! non-homogeneous Poisson process sampled exactly by thinning against a piecewise-constant
//! bound, and every arrival carries its service demand. The stream is a pure function of
//! the seed, so every policy sees the same requests (common random numbers).

mod arrivals;
mod rate;
mod table;
pub mod trace;

pub(crate) use arrivals::{Request, RequestStream, mix_seed};
pub use rate::RateFunction;
pub use table::RateTable;
