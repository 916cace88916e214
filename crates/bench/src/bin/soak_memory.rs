//! Soak memory: the heap a long run takes as the page holds it (trace recorded,
//! checkpoints kept for time travel), natively.
//!
//! The workload is the browser soak's: the soak scenario (100,000 messages, 5 % loss,
//! 2 % duplication, 2 % reordering, random crashes 1/1,000 per step) played step by step
//! through `Run`; a run that goes quiet is dropped and replaced by a fresh one with the
//! next seed. A counting allocator tracks the bytes allocated now and the most ever
//! allocated at once. After each tenth it prints both, with the checkpoints kept and the
//! trace length, and at the end what the current run's parts take: the simulation
//! without its trace (one checkpoint's worth), the ledger, and the trace.
//!
//! Native figures are not the browser's: pointers and `usize` take 8 bytes here and 4
//! in WebAssembly, and the browser's memory also holds the page and the allocator's
//! free space (it never shrinks). They show where the bytes go and whether they stay
//! flat. The browser's figure is `scripts/bench`'s soak row.
//!
//! Usage: `cargo run --release --manifest-path crates/bench/Cargo.toml --bin
//! soak_memory [-- --steps 1000000]`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use mqlab_sim::benchmarks::soak_scenario;
use mqlab_sim::Run;

/// The system allocator, counting the bytes held and the most held at once.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn note_alloc(bytes: usize) {
    let held = HELD.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(held, Ordering::Relaxed);
}

// SAFETY: every call goes to the system allocator with the same arguments; the counters
// only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = System.alloc(layout);
        if !pointer.is_null() {
            note_alloc(layout.size());
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let pointer = System.alloc_zeroed(layout);
        if !pointer.is_null() {
            note_alloc(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        System.dealloc(pointer, layout);
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = System.realloc(pointer, layout, new_size);
        if !moved.is_null() {
            // Counted as the new block allocated before the old one is freed, as a
            // moving reallocation does.
            note_alloc(new_size);
            HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// The bytes a value's clone allocates: what the value holds on the heap.
fn heap_bytes<T: Clone>(value: &T) -> usize {
    let before = HELD.load(Ordering::Relaxed);
    let copy = value.clone();
    let bytes = HELD.load(Ordering::Relaxed).saturating_sub(before);
    drop(copy);
    bytes
}

fn parse_steps(args: &[String]) -> Result<u64, String> {
    match args {
        [] => Ok(1_000_000),
        [flag, value] if flag == "--steps" => value
            .parse::<u64>()
            .ok()
            .filter(|&steps| steps >= 10)
            .ok_or_else(|| format!("--steps {value}: must be a number, 10 or more")),
        _ => Err("usage: soak_memory [--steps N]".to_string()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let steps = match parse_steps(&args) {
        Ok(steps) => steps,
        Err(message) => {
            eprintln!("soak_memory: {message}");
            return ExitCode::from(2);
        }
    };
    let start_bytes = HELD.load(Ordering::Relaxed);
    let mut seed = 1;
    let Ok(mut run) = Run::new(&soak_scenario(seed)) else {
        eprintln!("soak_memory: the soak scenario is invalid");
        return ExitCode::FAILURE;
    };
    println!(
        "Soak memory (native heap): {steps} steps of the soak scenario played through time travel's run"
    );
    println!("| steps | run | run's step | checkpoints | their heap (MiB) | trace events | heap now (MiB) | heap peak so far (MiB) |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut peak = 0;
    let started = Instant::now();
    for taken in 1..=steps {
        if run.step().is_none() {
            seed += 1;
            // The old run goes first, as when the page loads another scenario.
            drop(run);
            match Run::new(&soak_scenario(seed)) {
                Ok(fresh) => run = fresh,
                Err(_) => {
                    eprintln!("soak_memory: the soak scenario with seed {seed} is invalid");
                    return ExitCode::FAILURE;
                }
            }
        }
        if taken % (steps / 10) == 0 {
            let now = HELD.load(Ordering::Relaxed);
            peak = peak.max(PEAK.load(Ordering::Relaxed));
            // Measured by copying, which would move the peak: it is read first, and
            // set back after.
            let checkpoints = heap_bytes(&run).saturating_sub(heap_bytes(run.sim()));
            println!(
                "| {taken} | {seed} | {} | {} | {:.1} | {} | {:.1} | {:.1} |",
                run.step_index(),
                run.checkpoint_count(),
                mib(checkpoints),
                run.sim().trace().len(),
                mib(now.saturating_sub(start_bytes)),
                mib(peak.saturating_sub(start_bytes)),
            );
            PEAK.store(now, Ordering::Relaxed);
        }
    }
    let elapsed = started.elapsed();
    let sim = run.sim();
    let trace_bytes = heap_bytes(&sim.trace().to_vec());
    println!();
    println!("| part of the current run | heap (MiB) |");
    println!("|---|---|");
    println!(
        "| the simulation without its trace (one checkpoint) | {:.1} |",
        mib(heap_bytes(sim).saturating_sub(trace_bytes))
    );
    println!("| its ledger | {:.1} |", mib(heap_bytes(sim.ledger())));
    println!(
        "| the trace ({} events) | {:.1} |",
        sim.trace().len(),
        mib(trace_bytes)
    );
    println!(
        "| the whole run (simulation, checkpoints, commands) | {:.1} |",
        mib(heap_bytes(&run))
    );
    let events = sim.trace().len().max(1);
    // The trace keeps no sentences: the run tells an entry when it is read.
    let kept: usize = sim.trace().iter().map(|e| e.narration.capacity()).sum();
    let told: usize = sim.trace().iter().map(|e| sim.tell(e).len()).sum();
    println!(
        "| per trace event: the entry {} bytes and {} bytes of kept text; its narration, told when read, {} bytes |",
        std::mem::size_of::<mqlab_sim::TraceEvent>(),
        kept / events,
        told / events
    );
    println!(
        "| per message record: {} bytes |",
        std::mem::size_of::<mqlab_sim::MessageRecord>()
    );
    println!();
    println!("{steps} steps in {:.1} s", elapsed.as_secs_f64());
    ExitCode::SUCCESS
}
