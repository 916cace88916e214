//! The run being played: its setup, how many steps it takes, and the frame on screen.
//! `reduce` only calls the model (which calls the core): forward is one more step of the
//! run on screen, every other move rebuilds the run from its scenario.

use std::rc::Rc;

use yew::prelude::*;

use super::model::{frame_after, frame_at, total_steps, Frame, Setup};

/// A run loaded into the player.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub setup: Rc<Setup>,
    /// Steps from the start to the end of the run.
    pub total: u64,
    pub frame: Frame,
}

/// The player: the run loaded, if any, and whether it plays.
#[derive(Clone, Debug, Default)]
pub struct Player {
    pub loaded: Option<Loaded>,
    pub playing: bool,
}

impl PartialEq for Player {
    fn eq(&self, other: &Player) -> bool {
        self.playing == other.playing
            && match (&self.loaded, &other.loaded) {
                (Some(a), Some(b)) => {
                    Rc::ptr_eq(&a.setup, &b.setup)
                        && a.frame.step == b.frame.step
                        && Rc::ptr_eq(&a.frame.run, &b.frame.run)
                }
                (None, None) => true,
                _ => false,
            }
    }
}

/// What the learner does with the player.
#[derive(Clone, Debug)]
pub enum PlayerAction {
    /// A new run, from its start.
    Load(Rc<Setup>),
    Forward,
    Back,
    ToStart,
    ToEnd,
    /// To a step (the number of steps taken), paused.
    Seek(u64),
    /// Plays or pauses.
    Toggle,
    /// The play timer's beat: one step forward, or a pause at the end.
    Beat,
}

impl Player {
    /// A player with a run loaded at its start; none when the core refuses the setup.
    pub fn with(setup: Rc<Setup>) -> Player {
        Player {
            loaded: load(setup),
            playing: false,
        }
    }

    /// A player with a run loaded at `step` (paused): the view shown again after a
    /// language switch.
    pub fn at(setup: Rc<Setup>, step: u64) -> Player {
        let loaded = load(setup).map(|loaded| jump(&loaded, step));
        Player {
            loaded,
            playing: false,
        }
    }

    /// True when the run on screen is at its end.
    pub fn at_end(&self) -> bool {
        self.loaded.as_ref().is_none_or(|l| l.frame.step >= l.total)
    }
}

fn load(setup: Rc<Setup>) -> Option<Loaded> {
    let total = total_steps(&setup).ok()?;
    let frame = frame_at(&setup, 0).ok()?;
    Some(Loaded {
        setup,
        total,
        frame,
    })
}

/// The loaded run at another step, rebuilt from its scenario.
fn jump(loaded: &Loaded, step: u64) -> Loaded {
    match frame_at(&loaded.setup, step) {
        Ok(frame) => Loaded {
            frame,
            ..loaded.clone()
        },
        // The setup was built once already; a refusal now keeps the frame on screen.
        Err(_) => loaded.clone(),
    }
}

impl Reducible for Player {
    type Action = PlayerAction;

    fn reduce(self: Rc<Self>, action: PlayerAction) -> Rc<Self> {
        let Some(loaded) = &self.loaded else {
            return match action {
                PlayerAction::Load(setup) => Rc::new(Player::with(setup)),
                _ => self,
            };
        };
        let step = loaded.frame.step;
        let next = match action {
            PlayerAction::Load(setup) => return Rc::new(Player::with(setup)),
            PlayerAction::Toggle => {
                // Play from the start when the run is at its end.
                let loaded = if !self.playing && step >= loaded.total {
                    jump(loaded, 0)
                } else {
                    loaded.clone()
                };
                return Rc::new(Player {
                    loaded: Some(loaded),
                    playing: !self.playing,
                });
            }
            PlayerAction::Beat if !self.playing => return self,
            PlayerAction::Beat | PlayerAction::Forward => {
                if step >= loaded.total {
                    return Rc::new(Player {
                        loaded: Some(loaded.clone()),
                        playing: false,
                    });
                }
                Loaded {
                    frame: frame_after(&loaded.frame),
                    ..loaded.clone()
                }
            }
            PlayerAction::Back => jump(loaded, step.saturating_sub(1)),
            PlayerAction::ToStart => jump(loaded, 0),
            PlayerAction::ToEnd => jump(loaded, loaded.total),
            PlayerAction::Seek(to) => jump(loaded, to.min(loaded.total)),
        };
        let playing = self.playing && matches!(action, PlayerAction::Beat);
        Rc::new(Player {
            loaded: Some(next),
            playing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::worlds::model::{parse, Form};

    fn player() -> Rc<Player> {
        let setup = parse(&Form::default()).expect("the default settings run");
        Rc::new(Player::with(Rc::new(setup)))
    }

    fn step(player: &Player) -> u64 {
        player.loaded.as_ref().expect("loaded").frame.step
    }

    #[test]
    fn the_player_steps_back_and_forth_and_jumps_to_either_end() {
        let p = player();
        let total = p.loaded.as_ref().expect("loaded").total;
        assert!(total > 2);
        let p = p
            .reduce(PlayerAction::Forward)
            .reduce(PlayerAction::Forward);
        assert_eq!(step(&p), 2);
        let p = p.reduce(PlayerAction::Back);
        assert_eq!(step(&p), 1);
        let p = p.reduce(PlayerAction::ToEnd);
        assert_eq!(step(&p), total);
        assert!(p.at_end());
        let p = p.reduce(PlayerAction::Forward);
        assert_eq!(step(&p), total);
        let p = p.reduce(PlayerAction::ToStart).reduce(PlayerAction::Back);
        assert_eq!(step(&p), 0);
        let p = p.reduce(PlayerAction::Seek(2));
        assert_eq!(step(&p), 2);
        assert!(!p.playing);
        let p = p.reduce(PlayerAction::Seek(total + 10));
        assert_eq!(step(&p), total);
    }

    #[test]
    fn a_player_comes_back_at_the_step_it_was_at() {
        let p = player()
            .reduce(PlayerAction::Forward)
            .reduce(PlayerAction::Forward);
        let loaded = p.loaded.as_ref().expect("loaded");
        let again = Player::at(loaded.setup.clone(), 2);
        let back = again.loaded.as_ref().expect("loaded");
        assert_eq!(back.frame.step, 2);
        assert_eq!(back.frame.run.trace_len(), loaded.frame.run.trace_len());
        assert!(!again.playing);
    }

    #[test]
    fn playing_beats_to_the_end_and_stops_there() {
        let p = player();
        let total = p.loaded.as_ref().expect("loaded").total;
        // A beat while paused does nothing.
        let mut p = p.reduce(PlayerAction::Beat);
        assert_eq!(step(&p), 0);
        p = p.reduce(PlayerAction::Toggle);
        assert!(p.playing);
        for _ in 0..total {
            p = p.reduce(PlayerAction::Beat);
        }
        assert_eq!(step(&p), total);
        assert!(p.playing);
        p = p.reduce(PlayerAction::Beat);
        assert!(!p.playing);
        // Play again from the end starts over.
        p = p.reduce(PlayerAction::Toggle);
        assert!(p.playing);
        assert_eq!(step(&p), 0);
        // Stepping by hand pauses.
        p = p.reduce(PlayerAction::Forward);
        assert!(!p.playing);
    }
}
