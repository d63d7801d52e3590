//! ssecheck's harness: drives SSE clients and servers over real HTTP on
//! loopback and compares what they do with spec-impl.
#![forbid(unsafe_code)]

pub mod accept_loop;
pub mod case;
pub mod cli;
pub mod client_mode;
pub mod explain;
pub mod http_client;
pub mod open_files;
pub mod reference_adapter;
pub mod reference_server;
pub mod registry;
pub mod report;
pub mod server_mode;
pub mod tls;
