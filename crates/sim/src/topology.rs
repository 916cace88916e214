//! The topology: which nodes the world has and which links join them. It is data, part
//! of the scenario; the world builds its nodes and links from it.

use serde::{Deserialize, Serialize};

use crate::mode::Mode;
use crate::network::LinkId;
use crate::node::{NodeId, RoleKind};

/// Which nodes the world has: how many producers, brokers and consumers (a coordinator
/// joins them in transactional mode). The default is one of each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Topology {
    /// How many producers publish. Message mK belongs to producer ((K - 1) mod P) + 1:
    /// each publishes its own messages, in order, with its own sequence numbers.
    pub producers: u16,
    /// How many broker nodes hold the queue.
    pub brokers: u16,
    /// How many consumers take messages from the queue. They compete: the broker hands
    /// each delivery to the next consumer in turn.
    pub consumers: u16,
}

impl Default for Topology {
    fn default() -> Topology {
        Topology {
            producers: 1,
            brokers: 1,
            consumers: 1,
        }
    }
}

impl Topology {
    /// True when the queue is replicated over several brokers (a controller then
    /// joins the world).
    #[inline]
    pub fn replicated(&self) -> bool {
        self.brokers > 1
    }

    /// True for one producer, one broker and one consumer.
    pub fn is_default(&self) -> bool {
        *self == Topology::default()
    }

    /// How many nodes of a role there are (the coordinator always exists; it is idle
    /// outside transactional mode).
    #[inline]
    pub fn count(&self, role: RoleKind) -> u16 {
        match role {
            RoleKind::Producer => self.producers,
            RoleKind::Broker => self.brokers,
            RoleKind::Consumer => self.consumers,
            RoleKind::Coordinator => 1,
            RoleKind::Controller => u16::from(self.replicated()),
        }
    }

    /// Every node of the world, the coordinator included, in drawing order.
    pub fn all_nodes(&self) -> Vec<NodeId> {
        RoleKind::ALL
            .into_iter()
            .flat_map(|role| (0..self.count(role)).map(move |i| NodeId::new(role, i as u8)))
            .collect()
    }

    /// The nodes that take part in a mode, in drawing order.
    pub fn nodes_in(&self, mode: Mode) -> Vec<NodeId> {
        let mut nodes = self.all_nodes();
        if mode != Mode::Transactional {
            nodes.retain(|node| node.role() != RoleKind::Coordinator);
        }
        nodes
    }

    /// True when the world has this node (whatever the mode).
    pub fn has(&self, node: NodeId) -> bool {
        u16::from(node.instance()) < self.count(node.role())
    }

    /// A dense index (0..nodes) of a node the world has, in drawing order.
    pub fn slot(&self, node: NodeId) -> usize {
        let before: u16 = RoleKind::ALL
            .into_iter()
            .take_while(|role| *role != node.role())
            .map(|role| self.count(role))
            .sum();
        usize::from(before) + usize::from(node.instance())
    }

    /// How many nodes the world has, the coordinator included.
    pub fn len(&self) -> usize {
        usize::from(self.producers + self.brokers + self.consumers + 1)
            + usize::from(self.replicated())
    }

    /// Never true: the coordinator is always there.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The producer that publishes message `message`.
    #[inline]
    pub fn producer_of(&self, message: u32) -> NodeId {
        let instance = message.saturating_sub(1) % u32::from(self.producers.max(1));
        NodeId::new(RoleKind::Producer, instance as u8)
    }

    /// The consumer whose turn it is to consume message `message` in a consume
    /// transaction (consumers take turns in message order).
    #[inline]
    pub fn consumer_for(&self, message: u32) -> NodeId {
        let instance = message.saturating_sub(1) % u32::from(self.consumers.max(1));
        NodeId::new(RoleKind::Consumer, instance as u8)
    }

    /// The previous message of the same producer (its sequence number minus one), if
    /// any.
    #[inline]
    pub fn previous_of_producer(&self, message: u32) -> Option<u32> {
        message
            .checked_sub(u32::from(self.producers.max(1)))
            .filter(|m| *m > 0)
    }

    /// The two participants of a transaction kind (0 publish, 1 consume) for the
    /// transaction that begins with `message`.
    pub fn participants(&self, txn_kind: u8, message: u32) -> [NodeId; 2] {
        if txn_kind == 0 {
            [self.producer_of(message), NodeId::BROKER]
        } else {
            [NodeId::BROKER, self.consumer_for(message)]
        }
    }

    /// The links that exist in a mode, in drawing order.
    pub fn links(&self, mode: Mode) -> Vec<LinkId> {
        let mut links = Vec::new();
        let nodes = self.nodes_in(mode);
        let of = |role: RoleKind| nodes.iter().copied().filter(move |n| n.role() == role);
        for producer in of(RoleKind::Producer) {
            links.push(LinkId::new(producer, NodeId::BROKER));
            links.push(LinkId::new(NodeId::BROKER, producer));
        }
        for consumer in of(RoleKind::Consumer) {
            links.push(LinkId::new(NodeId::BROKER, consumer));
            links.push(LinkId::new(consumer, NodeId::BROKER));
        }
        if mode == Mode::Transactional {
            // The messages travel on the pipeline inside their transactions; the
            // coordinator talks to every node a transaction enlists.
            let coordinator = NodeId::COORDINATOR;
            for node in nodes.iter().copied().filter(|n| *n != coordinator) {
                if node.role() == RoleKind::Broker && node != NodeId::BROKER {
                    continue;
                }
                links.push(LinkId::new(coordinator, node));
                links.push(LinkId::new(node, coordinator));
            }
        }
        links
    }

    /// The links of replication (several brokers only): between every two brokers
    /// (any may lead), from every broker to the controller and back, and from every
    /// client to every broker that may lead (the clients follow the leader).
    pub fn replication_links(&self, mode: Mode) -> Vec<LinkId> {
        let mut links = Vec::new();
        if !self.replicated() {
            return links;
        }
        let brokers: Vec<NodeId> = (0..self.brokers)
            .map(|i| NodeId::new(RoleKind::Broker, i as u8))
            .collect();
        for &a in &brokers {
            for &b in &brokers {
                if a != b {
                    links.push(LinkId::new(a, b));
                }
            }
            links.push(LinkId::new(a, NodeId::CONTROLLER));
            links.push(LinkId::new(NodeId::CONTROLLER, a));
        }
        let clients = self
            .nodes_in(mode)
            .into_iter()
            .filter(|n| matches!(n.role(), RoleKind::Producer | RoleKind::Consumer));
        for client in clients {
            for &broker in brokers.iter().skip(1) {
                links.push(LinkId::new(client, broker));
                links.push(LinkId::new(broker, client));
            }
        }
        links
    }
}
