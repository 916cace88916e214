//! Node identities and the state every node shares: up or down, an incarnation number
//! and a disk log.
//!
//! A node is named by its role and its instance: `broker` is the first broker, then
//! `broker-2`, `broker-3`. The id packs both into a `u16` (role in the high byte,
//! instance from 0 in the low byte), so that a name can be written and read without
//! the topology at hand, and so that an id written by an older MQ Lab ("broker") still
//! names the same node. The world turns an id into a dense index through its topology.

use std::fmt;
use std::str::FromStr;

use crate::names::UnknownName;

/// The role a node plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RoleKind {
    /// Publishes messages; in transactional mode also the "producer DB" participant.
    Producer,
    /// The queue; a participant of both transactions in transactional mode.
    Broker,
    /// Applies each message to its database; the "consumer DB" participant in
    /// transactional mode.
    Consumer,
    /// The 2PC transaction manager (transactional mode only).
    Coordinator,
    /// Elects the leader of a replicated queue and keeps its in-sync set (only in a
    /// world of several brokers).
    Controller,
}

impl RoleKind {
    /// Every role, in drawing order.
    pub const ALL: [RoleKind; 5] = [
        RoleKind::Producer,
        RoleKind::Broker,
        RoleKind::Consumer,
        RoleKind::Coordinator,
        RoleKind::Controller,
    ];

    /// The lower-case name of the role's first node.
    pub const fn name(self) -> &'static str {
        match self {
            RoleKind::Producer => "producer",
            RoleKind::Broker => "broker",
            RoleKind::Consumer => "consumer",
            RoleKind::Coordinator => "coordinator",
            RoleKind::Controller => "controller",
        }
    }

    const fn label(self) -> &'static str {
        match self {
            RoleKind::Producer => "Producer",
            RoleKind::Broker => "Broker",
            RoleKind::Consumer => "Consumer",
            RoleKind::Coordinator => "Coordinator",
            RoleKind::Controller => "Controller",
        }
    }

    const fn participant_label(self) -> &'static str {
        match self {
            RoleKind::Producer => "producer DB",
            RoleKind::Broker => "broker",
            RoleKind::Consumer => "consumer DB",
            RoleKind::Coordinator => "coordinator",
            RoleKind::Controller => "controller",
        }
    }

    const fn code(self) -> u16 {
        match self {
            RoleKind::Producer => 0,
            RoleKind::Broker => 1,
            RoleKind::Consumer => 2,
            RoleKind::Coordinator => 3,
            RoleKind::Controller => 4,
        }
    }
}

/// A node of the simulated world: a role and an instance of it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(u16);

impl NodeId {
    /// The first producer.
    pub const PRODUCER: NodeId = NodeId::new(RoleKind::Producer, 0);
    /// The first broker.
    pub const BROKER: NodeId = NodeId::new(RoleKind::Broker, 0);
    /// The first consumer.
    pub const CONSUMER: NodeId = NodeId::new(RoleKind::Consumer, 0);
    /// The 2PC coordinator.
    pub const COORDINATOR: NodeId = NodeId::new(RoleKind::Coordinator, 0);
    /// The controller of a replicated queue.
    pub const CONTROLLER: NodeId = NodeId::new(RoleKind::Controller, 0);

    /// The nodes of the default world (one of each), in drawing order.
    pub const ALL: [NodeId; 4] = [
        NodeId::PRODUCER,
        NodeId::BROKER,
        NodeId::CONSUMER,
        NodeId::COORDINATOR,
    ];

    /// The `instance`-th node (from 0) of a role.
    #[inline]
    pub const fn new(role: RoleKind, instance: u8) -> NodeId {
        NodeId(role.code() << 8 | instance as u16)
    }

    /// The role this node plays.
    #[inline]
    pub const fn role(self) -> RoleKind {
        match self.0 >> 8 {
            0 => RoleKind::Producer,
            1 => RoleKind::Broker,
            2 => RoleKind::Consumer,
            3 => RoleKind::Coordinator,
            _ => RoleKind::Controller,
        }
    }

    /// The role as a dense number (0 producer, 1 broker, 2 consumer, 3 coordinator, 4
    /// controller).
    #[inline]
    pub(crate) const fn role_code(self) -> usize {
        (self.0 >> 8) as usize
    }

    /// Which node of its role this is, from 0.
    #[inline]
    pub const fn instance(self) -> u8 {
        (self.0 & 0xff) as u8
    }

    /// The lower-case id used in JSON, links and the CLI: "broker", "broker-2".
    pub fn name(self) -> NodeName {
        NodeName::of(self.role().name(), self.instance(), "-", "")
    }

    /// The node as a sentence names it: "the consumer" for the first of its role,
    /// "consumer-2" for the others.
    pub fn the(self) -> String {
        if self.instance() == 0 {
            format!("the {}", self.role().name())
        } else {
            self.name().to_string()
        }
    }

    /// The display name: "Broker", "Broker 2".
    pub fn label(self) -> NodeName {
        NodeName::of(self.role().label(), self.instance(), " ", "")
    }

    /// The name of the 2PC participant this node hosts: "consumer DB", "consumer-2 DB".
    pub fn participant_label(self) -> NodeName {
        match self.role() {
            RoleKind::Producer | RoleKind::Consumer => {
                NodeName::of(self.role().name(), self.instance(), "-", " DB")
            }
            role => NodeName::of(role.participant_label(), self.instance(), "-", ""),
        }
    }

    /// A number for the trace hash; the first node of each role keeps the number it had
    /// when there was one node per role, so that default runs hash as before.
    #[inline]
    pub(crate) const fn hash_code(self) -> u64 {
        let role = (self.0 >> 8) as u64;
        let instance = (self.0 & 0xff) as u64;
        if instance == 0 {
            role
        } else {
            0x100 | role << 4 | instance
        }
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// A node's name, held inline so that naming a node does not allocate.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct NodeName {
    bytes: [u8; 24],
    len: u8,
}

impl NodeName {
    fn of(base: &str, instance: u8, separator: &str, suffix: &str) -> NodeName {
        let mut name = NodeName {
            bytes: [0; 24],
            len: 0,
        };
        name.push(base);
        if instance > 0 {
            name.push(separator);
            let number = u32::from(instance) + 1;
            if number >= 100 {
                name.push_digit(number / 100);
            }
            if number >= 10 {
                name.push_digit(number / 10 % 10);
            }
            name.push_digit(number % 10);
        }
        name.push(suffix);
        name
    }

    fn push(&mut self, text: &str) {
        for &byte in text.as_bytes() {
            if (self.len as usize) < self.bytes.len() {
                self.bytes[self.len as usize] = byte;
                self.len += 1;
            }
        }
    }

    fn push_digit(&mut self, digit: u32) {
        self.push(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"][digit as usize % 10]);
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever pushed, so the bytes are always valid UTF-8.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("node")
    }
}

impl std::ops::Deref for NodeName {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for NodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for NodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl PartialEq<&str> for NodeName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl FromStr for NodeId {
    type Err = UnknownName;

    /// Reads "broker", "broker-2", … (the coordinator has one instance).
    fn from_str(input: &str) -> Result<NodeId, UnknownName> {
        let wanted = input.trim();
        let unknown = || UnknownName {
            what: mqlab_text::errors::Key::NameNode,
            input: input.to_string(),
            expected: "producer, broker, consumer, coordinator, controller".to_string(),
            hint: Some(mqlab_text::errors::Key::HintNode),
        };
        let (base, number) = match wanted.rsplit_once('-') {
            Some((base, digits)) if !digits.is_empty() => {
                if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 3 {
                    return Err(unknown());
                }
                let number: u32 = digits.parse().map_err(|_| unknown())?;
                (base, number)
            }
            _ => (wanted, 1),
        };
        let role = RoleKind::ALL
            .into_iter()
            .find(|role| role.name().eq_ignore_ascii_case(base))
            .ok_or_else(unknown)?;
        if number < 2 && wanted.contains('-') || number == 0 || number > 256 {
            return Err(unknown());
        }
        if matches!(role, RoleKind::Coordinator | RoleKind::Controller) && number > 1 {
            return Err(unknown());
        }
        Ok(NodeId::new(role, (number - 1) as u8))
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl serde::Serialize for NodeId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name())
    }
}

impl<'de> serde::Deserialize<'de> for NodeId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<NodeId, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_as_the_same_node() {
        for role in RoleKind::ALL {
            let count = if matches!(role, RoleKind::Coordinator | RoleKind::Controller) {
                1
            } else {
                12
            };
            for instance in 0..count {
                let node = NodeId::new(role, instance);
                assert_eq!(node.name().parse::<NodeId>(), Ok(node), "{node:?}");
            }
        }
        assert_eq!(NodeId::new(RoleKind::Broker, 1).name(), "broker-2");
        assert_eq!(NodeId::new(RoleKind::Consumer, 2).label(), "Consumer 3");
        assert_eq!(
            NodeId::new(RoleKind::Consumer, 1).participant_label(),
            "consumer-2 DB"
        );
        assert_eq!(NodeId::PRODUCER.participant_label(), "producer DB");
    }

    #[test]
    fn malformed_node_names_are_refused() {
        for bad in [
            "broker-1",
            "broker-0",
            "broker-",
            "broker-x",
            "broker-1000",
            "coordinator-2",
            "queue",
            "",
        ] {
            assert!(bad.parse::<NodeId>().is_err(), "{bad}");
        }
    }
}
