//! The views of the page: the tabs of the header. The page link and the lesson link
//! name them, and the app switches between them.

/// The views of the page, one tab each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Simulator,
    Lessons,
    Compare,
    CrashMatrix,
    ProtocolLab,
}

impl View {
    pub const ALL: [View; 5] = [
        View::Simulator,
        View::Lessons,
        View::Compare,
        View::CrashMatrix,
        View::ProtocolLab,
    ];

    pub const fn label(self) -> &'static str {
        match self {
            View::Simulator => "Simulator",
            View::Lessons => "Lessons",
            View::Compare => "Compare",
            View::CrashMatrix => "Crash matrix",
            View::ProtocolLab => "Protocol lab",
        }
    }

    pub const fn id(self) -> &'static str {
        match self {
            View::Simulator => "simulator",
            View::Lessons => "lessons",
            View::Compare => "compare",
            View::CrashMatrix => "crash-matrix",
            View::ProtocolLab => "protocol-lab",
        }
    }
}
