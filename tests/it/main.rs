// The one integration-test binary: one Postgres for the whole run (see
// support.rs), real HTTP and real key presses in the modules below.

mod support;
mod user_pins;

mod acting;
mod actions;
mod architecture;
mod bundle;

mod cli;
mod cluster;
mod columns;
mod console;
mod drift;
mod explain;
mod foundation;
mod groups;
mod groups_view;
mod guards;
mod health;
mod held;
mod hostile;
mod hostile_rows;
mod kill;
mod mouse;
mod odd_actions;
mod orm_schema;
mod providers;
mod pulse;
mod readonly;
mod replica;
mod search_console;
mod secrets;
mod sim_endpoint;
mod sizes_console;
mod sizes_panes;
mod stopping;
mod stress;
mod supervised;
mod user_console;
