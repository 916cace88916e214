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
use crate::speech::card;
use crate::trace::{Detail, EventKind, ReplicaDetail};
use mqlab_text::cards::Key;
use mqlab_text::Words;

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

    /// Disk lines for the snapshot (all of the controller's state is durable).
    pub fn disk_lines(&self, brokers: u16, w: &Words) -> Vec<String> {
        let members: Vec<String> = (0..u32::from(brokers))
            .map(broker)
            .filter(|b| self.isr & bit(*b) != 0)
            .map(|b| b.to_string())
            .collect();
        let leader = self
            .leader
            .map_or_else(|| w.get(Key::None).to_string(), |l| l.to_string());
        vec![
            card!(w, ControllerLeader, leader = leader, epoch = self.epoch),
            card!(w, ControllerInSync, members = members.join(" ")),
        ]
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
        // The answer to the asker says which request it answers, so that a leader
        // with a later request in flight keeps counting that one's members.
        let answered = envelope.message + 1;
        if self.leader != Some(from) || envelope.tag != self.epoch {
            ctx.detail(Detail::Replication(ReplicaDetail::NotLeader));
            self.tell_answering(from, answered, ctx);
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
        for instance in 0..u32::from(ctx.scenario.topology.brokers) {
            let node = broker(instance);
            if self.silent & bit(node) == 0 {
                let answer = if node == from { answered } else { 0 };
                self.tell_answering(node, answer, ctx);
            }
        }
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
        self.tell_answering(node, 0, ctx);
    }

    /// Tells a broker the partition's state; `answered` is 1 + the in-sync set the
    /// broker asked for when this answers its request, else 0.
    fn tell_answering(&self, node: NodeId, answered: u32, ctx: &mut Ctx<'_>) {
        let leader = self.leader.map_or(0, |l| u32::from(l.instance()) + 1);
        ctx.send_replication(
            node,
            MessageKind::LeaderAndIsr,
            (leader, self.epoch, u32::from(self.isr)),
            [answered, 0],
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::bench::{self, Armed};
    use crate::actor::Output;
    use crate::mode::Mode;
    use crate::scenario::Scenario;

    fn scenario(brokers: u16, unclean_election: bool) -> Scenario {
        let mut s = bench::scenario(Mode::AtLeastOnce, 3);
        s.topology.brokers = brokers;
        s.replication.unclean_election = unclean_election;
        s
    }

    fn run(s: &Scenario, tick: u64, input: Input<'_>, c: &mut Controller) -> Vec<Output> {
        bench::run(NodeId::CONTROLLER, s, &mut Armed::default(), tick, |ctx| {
            c.handle(input, ctx)
        })
    }

    fn silent(instance: u8) -> Input<'static> {
        Input::Timer(Timer::BrokerSilent { broker: instance })
    }

    /// Who was told the partition's state: (to, leader + 1 or 0, epoch).
    fn told(outputs: &[Output]) -> Vec<(NodeId, u32, u32)> {
        outputs
            .iter()
            .filter_map(|o| match o {
                Output::Send(s) if s.kind == MessageKind::LeaderAndIsr => {
                    Some((s.to, s.message, s.tag))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_silent_broker_gets_a_session_timer_and_nothing_else_happens_yet() {
        let s = scenario(3, false);
        let mut c = Controller::new(3);
        let out = run(&s, 10, silent(0), &mut c);
        assert_eq!(
            bench::timers(&out),
            vec![Timer::SessionTimeout {
                broker: 0,
                session: 1
            }]
        );
        assert!(bench::sends(&out).is_empty());
        assert_eq!(c.leader, Some(NodeId::BROKER));
    }

    #[test]
    fn the_leaders_session_timing_out_elects_the_next_in_sync_replica() {
        let s = scenario(3, false);
        let mut c = Controller::new(3);
        run(&s, 10, silent(0), &mut c);
        let timeout = Input::Timer(Timer::SessionTimeout {
            broker: 0,
            session: 1,
        });
        let out = run(&s, 25, timeout, &mut c);
        let broker_2 = NodeId::new(RoleKind::Broker, 1);
        let broker_3 = NodeId::new(RoleKind::Broker, 2);
        assert_eq!(c.leader, Some(broker_2));
        assert_eq!(c.epoch, 1);
        assert_eq!(c.isr, 0b110, "the fenced leader leaves the in-sync set");
        assert_eq!(
            bench::facts(&out),
            vec![Fact::LeaderChanged {
                leader: Some(broker_2)
            }]
        );
        // Everyone still heard from learns it; the silent broker does not.
        assert_eq!(told(&out), vec![(broker_2, 2, 1), (broker_3, 2, 1)]);
    }

    #[test]
    fn a_broker_heard_again_before_its_session_times_out_keeps_its_place() {
        let s = scenario(3, false);
        let mut c = Controller::new(3);
        run(&s, 10, silent(1), &mut c);
        run(
            &s,
            12,
            Input::Timer(Timer::BrokerHeard { broker: 1 }),
            &mut c,
        );
        let stale = Input::Timer(Timer::SessionTimeout {
            broker: 1,
            session: 1,
        });
        let out = run(&s, 25, stale, &mut c);
        assert!(out.is_empty(), "the old session's timer is ignored");
        assert_eq!(c.isr, 0b111);
        assert_eq!(c.fenced, 0);
    }

    /// A controller whose in-sync set has shrunk to the leader, which then falls
    /// silent for good.
    fn leader_alone_and_gone(s: &Scenario) -> (Controller, Vec<Output>) {
        let mut c = Controller::new(3);
        c.isr = 0b001;
        run(s, 10, silent(0), &mut c);
        let timeout = Input::Timer(Timer::SessionTimeout {
            broker: 0,
            session: 1,
        });
        let out = run(s, 25, timeout, &mut c);
        (c, out)
    }

    #[test]
    fn with_clean_election_and_no_in_sync_replica_left_the_partition_has_no_leader() {
        let (c, out) = leader_alone_and_gone(&scenario(3, false));
        assert_eq!(c.leader, None);
        assert_eq!(c.isr, 0b001, "Kafka keeps the last member in the set");
        assert_eq!(
            bench::facts(&out),
            vec![Fact::LeaderChanged { leader: None }]
        );
    }

    #[test]
    fn with_unclean_election_an_out_of_sync_replica_leads_alone() {
        let (c, out) = leader_alone_and_gone(&scenario(3, true));
        let broker_2 = NodeId::new(RoleKind::Broker, 1);
        assert_eq!(c.leader, Some(broker_2));
        assert_eq!(c.isr, bit(broker_2));
        assert_eq!(
            bench::facts(&out),
            vec![Fact::LeaderChanged {
                leader: Some(broker_2)
            }]
        );
    }

    #[test]
    fn an_in_sync_change_from_a_replica_that_does_not_lead_is_refused() {
        let s = scenario(3, false);
        let mut c = Controller::new(3);
        let broker_2 = NodeId::new(RoleKind::Broker, 1);
        let alter = bench::envelope(
            broker_2,
            NodeId::CONTROLLER,
            MessageKind::AlterIsr,
            0b010,
            0,
        );
        let out = run(&s, 5, Input::Message(&alter), &mut c);
        assert_eq!(c.isr, 0b111);
        assert_eq!(told(&out), vec![(broker_2, 1, 0)], "told who leads instead");
        // From the leader, in its epoch, the change is applied and announced.
        let alter = bench::envelope(
            NodeId::BROKER,
            NodeId::CONTROLLER,
            MessageKind::AlterIsr,
            0b011,
            0,
        );
        let out = run(&s, 6, Input::Message(&alter), &mut c);
        assert_eq!(c.isr, 0b011);
        assert_eq!(told(&out).len(), 3);
    }
}
