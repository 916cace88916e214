//! Node identities and the state every node shares: up or down, an incarnation number
//! and a disk log.

use std::str::FromStr;

use crate::names::{named_serde, parse_name, UnknownName};

/// A node of the simulated world. Participants of 2PC are roles of existing nodes: the
/// producer's database, the broker, and the consumer's database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeId {
    /// Publishes m1..mN; in transactional mode also the "producer DB" participant.
    Producer,
    /// The queue; a participant of both transactions in transactional mode.
    Broker,
    /// Applies each message to its database; the "consumer DB" participant in
    /// transactional mode.
    Consumer,
    /// The 2PC transaction manager (transactional mode only).
    Coordinator,
}

impl NodeId {
    /// Every node, in drawing order.
    pub const ALL: [NodeId; 4] = [
        NodeId::Producer,
        NodeId::Broker,
        NodeId::Consumer,
        NodeId::Coordinator,
    ];

    /// The lower-case id used in JSON, links and the CLI.
    pub const fn name(self) -> &'static str {
        match self {
            NodeId::Producer => "producer",
            NodeId::Broker => "broker",
            NodeId::Consumer => "consumer",
            NodeId::Coordinator => "coordinator",
        }
    }

    /// Same as `name`, for the shared naming plumbing.
    pub const fn as_str(self) -> &'static str {
        self.name()
    }

    /// The display name.
    pub const fn label(self) -> &'static str {
        match self {
            NodeId::Producer => "Producer",
            NodeId::Broker => "Broker",
            NodeId::Consumer => "Consumer",
            NodeId::Coordinator => "Coordinator",
        }
    }

    /// The name of the 2PC participant this node hosts, if any.
    pub const fn participant_label(self) -> &'static str {
        match self {
            NodeId::Producer => "producer DB",
            NodeId::Broker => "broker",
            NodeId::Consumer => "consumer DB",
            NodeId::Coordinator => "coordinator",
        }
    }

    /// A dense index (0..4) for per-node arrays.
    pub const fn index(self) -> usize {
        match self {
            NodeId::Producer => 0,
            NodeId::Broker => 1,
            NodeId::Consumer => 2,
            NodeId::Coordinator => 3,
        }
    }
}

impl FromStr for NodeId {
    type Err = UnknownName;

    fn from_str(input: &str) -> Result<NodeId, UnknownName> {
        parse_name("node", input, &NodeId::ALL, NodeId::name)
    }
}

named_serde!(NodeId);

/// What every node has, whatever its role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NodeCore {
    pub up: bool,
    /// Incremented at every crash, so that timers armed by an earlier incarnation are
    /// recognised as lost with the memory that armed them.
    pub incarnation: u32,
    pub down_since_tick: Option<u64>,
    pub restart_at_tick: Option<u64>,
    pub crashes: u32,
}

impl NodeCore {
    pub fn new() -> NodeCore {
        NodeCore {
            up: true,
            incarnation: 0,
            down_since_tick: None,
            restart_at_tick: None,
            crashes: 0,
        }
    }
}
