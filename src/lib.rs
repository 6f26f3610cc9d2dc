//! lockdesk: a terminal console for support engineers of an access broker.
//! The library holds everything; `main.rs` only parses the command line.
#![forbid(unsafe_code)]

pub mod app;
pub mod bundle;
pub mod cli;
pub mod clipboard;
pub mod config;
pub mod console;
pub mod curl;
pub mod demo;
pub mod diff;
pub mod engine;
pub mod files;
pub mod groups;
pub mod intents;
pub mod jsondoc;
pub mod jsonpretty;
pub mod jsontext;
pub mod keys;
pub mod lockday;
pub mod lockkey;
pub mod logging;
pub mod osuser;
pub mod output;
pub mod pinmap;
pub mod providers;
pub mod pulse;
pub mod secrets;
pub mod seeds;
pub mod sim;
pub mod store;
pub mod timefmt;
pub mod timeline;
pub mod tomlfile;
pub mod ui;
pub mod usercmd;
pub mod waterfall;
