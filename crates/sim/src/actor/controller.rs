//! The controller of a replicated queue (Kafka's KRaft controller, for one partition).
//! It keeps the partition's leader, leader epoch and in-sync set, and tells every
//! replica whenever they change.
//!
//! The protocol, in the order it runs:
//! 1. Each broker holds a session with the controller. When the controller stops
//!    hearing from a broker (it crashed, or their link is cut), a session timer starts;
//!    a broker heard from again before it fires keeps its place, so a follower that
//!    restarts quickly is still in the in-sync set, as in Kafka.
//! 2. When the timer fires the broker is fenced: it leaves the in-sync set (unless it
//!    is the last member, which Kafka keeps), and if it led the partition a new leader
//!    is elected from the rest of the in-sync set.
//! 3. With no in-sync replica left, the partition stays without a leader until one
//!    returns; with unclean election on, any live replica may be elected instead.
//! 4. The leader asks to shrink or grow the in-sync set (`AlterIsr`); the controller
//!    applies the change if it comes from the current leader and epoch.
//!
//! The controller cannot crash in this version, so all its state is durable (KRaft
//! keeps it in its replicated metadata log).

use crate::actor::replica::{bit, size};
use crate::actor::{Ctx, Fact, Input, Mark, Timer};
use crate::network::{Envelope, MessageKind};
use crate::node::{NodeId, RoleKind};
use crate::trace::{Detail, EventKind, ReplicaDetail};

/// The controller's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Controller {
    /// The leader, if the partition has one.
    pub leader: Option<NodeId>,
    /// The leader epoch.
    pub epoch: u32,
    /// The in-sync set, one bit per broker instance.
    pub isr: u8,
    /// Brokers it is not hearing from now.
    pub silent: u8,
    /// Brokers whose session timed out.
    pub fenced: u8,
    /// Per broker, a number that changes whenever the session is lost or regained, so
    /// that an old session timer is recognised.
    pub sessions: [u32; 8],
}

fn broker(instance: u32) -> NodeId {
    NodeId::new(RoleKind::Broker, instance as u8)
}

impl Controller {
    pub fn new(brokers: u16) -> Controller {
        Controller {
            leader: Some(NodeId::BROKER),
            epoch: 0,
            isr: ((1u16 << brokers.min(8)) - 1) as u8,
            silent: 0,
            fenced: 0,
            sessions: [0; 8],
        }
    }

    pub fn handle(&mut self, input: Input<'_>, ctx: &mut Ctx<'_>) {
        match input {
            Input::Timer(Timer::BrokerSilent { broker }) => {
                self.on_silent(NodeId::new(RoleKind::Broker, broker), ctx)
            }
            Input::Timer(Timer::BrokerHeard { broker }) => {
                self.on_heard(NodeId::new(RoleKind::Broker, broker), ctx)
            }
            Input::Timer(Timer::SessionTimeout { broker, session }) => {
                self.on_session_timeout(broker, session, ctx)
            }
            Input::Message(envelope) if envelope.kind == MessageKind::AlterIsr => {
                self.on_alter_isr(envelope, ctx)
            }
            _ => {}
        }
    }

    fn on_silent(&mut self, node: NodeId, ctx: &mut Ctx<'_>) {
        let index = usize::from(node.instance()).min(7);
        self.silent |= bit(node);
        self.sessions[index] = self.sessions[index].wrapping_add(1);
        ctx.set_timer(
            ctx.scenario.replication.session_timeout_ticks,
            Timer::SessionTimeout {
                broker: node.instance(),
                session: self.sessions[index],
            },
        );
    }

    /// A broker is heard from again (it restarted, or its link healed). A broker that
    /// restarted has lost its memory, so it is told the partition's state; if it led
    /// the partition, its leadership moves on (its memory of the followers is gone).
    fn on_heard(&mut self, node: NodeId, ctx: &mut Ctx<'_>) {
        let index = usize::from(node.instance()).min(7);
        self.silent &= !bit(node);
        self.sessions[index] = self.sessions[index].wrapping_add(1);
        self.fenced &= !bit(node);
        ctx.step(EventKind::Election);
        ctx.mark(Mark::Peer(node));
        ctx.detail(Detail::Replication(ReplicaDetail::LeaderAndIsr {
            epoch: self.epoch,
        }));
        if self.leader == Some(node) || self.leader.is_none() {
            self.elect(ctx);
        } else {
            self.tell(node, ctx);
        }
    }

    fn on_session_timeout(&mut self, instance: u8, session: u32, ctx: &mut Ctx<'_>) {
        let node = NodeId::new(RoleKind::Broker, instance);
        let index = usize::from(instance).min(7);
        if self.silent & bit(node) == 0 || self.sessions[index] != session {
            return;
        }
        ctx.step(EventKind::Election);
        ctx.mark(Mark::Peer(node));
        ctx.detail(Detail::Replication(ReplicaDetail::Fenced));
        self.fenced |= bit(node);
        if self.isr & !bit(node) != 0 {
            self.isr &= !bit(node);
        }
        if self.leader == Some(node) {
            self.elect(ctx);
        } else {
            self.broadcast(ctx);
        }
    }

    fn on_alter_isr(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let from = envelope.link.from;
        if self.leader != Some(from) || envelope.tag != self.epoch {
            ctx.detail(Detail::Replication(ReplicaDetail::NotLeader));
            self.tell(from, ctx);
            return;
        }
        // A fenced broker cannot be added back; the leader itself stays.
        let wanted = (envelope.message as u8 & !self.fenced) | bit(from);
        if wanted != self.isr {
            self.isr = wanted;
            ctx.detail(Detail::Replication(ReplicaDetail::IsrChanged {
                size: size(wanted),
            }));
        }
        self.broadcast(ctx);
    }

    /// Elects a leader: the first live member of the in-sync set other than the
    /// leader that lost its place; else, with unclean election, the first live
    /// replica; else none.
    fn elect(&mut self, ctx: &mut Ctx<'_>) {
        let brokers = u32::from(ctx.scenario.topology.brokers);
        let live = |c: &Controller, i: u32| c.fenced & (1 << i) == 0 && c.silent & (1 << i) == 0;
        let previous = self.leader;
        let in_sync = (0..brokers)
            .map(broker)
            .filter(|b| self.isr & bit(*b) != 0 && live(self, u32::from(b.instance())));
        // Another member first, so that a leader that restarted hands over.
        let choice = in_sync
            .clone()
            .find(|b| Some(*b) != previous)
            .or_else(|| in_sync.clone().next());
        let (leader, unclean) = match choice {
            Some(leader) => (Some(leader), false),
            None if ctx.scenario.replication.unclean_election => {
                let any = (0..brokers).find(|i| live(self, *i)).map(broker);
                (any, any.is_some())
            }
            None => (None, false),
        };
        self.epoch += 1;
        self.leader = leader;
        if let Some(leader) = leader {
            if unclean {
                self.isr = bit(leader);
            }
            ctx.mark(Mark::Peer(leader));
            ctx.detail(Detail::Replication(ReplicaDetail::Elected {
                epoch: self.epoch,
                unclean,
            }));
        } else {
            ctx.detail(Detail::Replication(ReplicaDetail::Offline));
        }
        ctx.fact(Fact::LeaderChanged { leader });
        self.broadcast(ctx);
    }

    fn tell(&self, node: NodeId, ctx: &mut Ctx<'_>) {
        let leader = self.leader.map_or(0, |l| u32::from(l.instance()) + 1);
        ctx.send_replication(
            node,
            MessageKind::LeaderAndIsr,
            (leader, self.epoch, u32::from(self.isr)),
            [0; 2],
        );
    }

    fn broadcast(&self, ctx: &mut Ctx<'_>) {
        for instance in 0..u32::from(ctx.scenario.topology.brokers) {
            let node = broker(instance);
            if self.silent & bit(node) == 0 {
                self.tell(node, ctx);
            }
        }
    }
}
