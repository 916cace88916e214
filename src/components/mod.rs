//! One component per file.

pub mod analysis_host;
pub mod analysis_views;
pub mod challenges;
pub mod compare_view;
pub mod controls;
pub mod coordinator_panel;
pub mod crash_matrix;
pub mod fault_toolbar;
pub mod groups_ledger;
pub mod groups_settings;
pub mod help_overlay;
pub mod lag_plot;
pub mod ledger_view;
pub mod lesson_editor;
pub mod lessons;
pub mod lessons_host;
pub mod matrix_cell;
pub mod matrix_row;
pub mod module_panel;
pub mod narration;
pub mod protocol_lab;
pub mod queue_settings;
pub mod real_systems;
pub mod replication_ledger;
pub mod replication_settings;
pub mod run_exports;
pub mod self_check;
pub mod share_bar;
pub mod simulator;
pub mod stage;
pub mod stage_consumers;
pub mod timeline;
/// The Transactions view, built only into the worlds module.
#[cfg(feature = "worlds")]
pub mod worlds;
