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
    /// Kafka transactions and the dual writes (the worlds module).
    Transactions,
    /// Goals to reach in the simulator (the analysis module).
    Challenges,
}

impl View {
    pub const ALL: [View; 7] = [
        View::Simulator,
        View::Lessons,
        View::Challenges,
        View::Transactions,
        View::Compare,
        View::CrashMatrix,
        View::ProtocolLab,
    ];

    /// The tab's label.
    pub const fn label(self) -> mqlab_text::page::Key {
        use mqlab_text::page::Key;
        match self {
            View::Simulator => Key::ViewSimulator,
            View::Lessons => Key::ViewLessons,
            View::Compare => Key::ViewCompare,
            View::CrashMatrix => Key::ViewCrashMatrix,
            View::ProtocolLab => Key::ViewProtocolLab,
            View::Transactions => Key::ViewTransactions,
            View::Challenges => Key::ViewChallenges,
        }
    }

    pub const fn id(self) -> &'static str {
        match self {
            View::Simulator => "simulator",
            View::Lessons => "lessons",
            View::Compare => "compare",
            View::CrashMatrix => "crash-matrix",
            View::ProtocolLab => "protocol-lab",
            View::Transactions => "transactions",
            View::Challenges => "challenges",
        }
    }

    /// The view with this id, if any.
    pub fn from_id(id: &str) -> Option<View> {
        View::ALL.into_iter().find(|view| view.id() == id)
    }

    /// True for the views built into the analysis module, loaded when first opened.
    pub const fn is_analysis(self) -> bool {
        matches!(
            self,
            View::Compare | View::CrashMatrix | View::ProtocolLab | View::Challenges
        )
    }
}
