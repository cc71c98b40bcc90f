//! Tests of the devstack over real HTTP on loopback. Each test starts its own devstack on
//! ephemeral ports (in-process, or the binary), so that they run in parallel.

mod app;
mod authgear_admin;
mod authgear_oidc;
mod binary;
mod common;
mod endpoint;
mod faults;
mod legacy;
mod rolling;
