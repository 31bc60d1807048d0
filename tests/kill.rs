//! A run killed at any point (SIGKILL: no destructor, no cleanup) leaves the output folder
//! holding either the complete previous result or nothing that looks complete: `summary.json`
//! present means kept, removed, clusters and rejected all belong to the run that wrote it (and
//! `storydup verify` passes against that run's input). Files under the output names are never
//! partially written; temporary files may be left behind, but only as hidden dot-files, and the
//! next run removes them, except those of a run that is still going (see report.rs).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::*;

const DATA: [&str; 4] = ["kept.jsonl", "removed.jsonl", "clusters.jsonl", "rejected.jsonl"];

/// The outputs of one complete run: the four data files' bytes and the stable part of its summary.
struct Complete {
    data: Vec<Vec<u8>>,
    summary: Value,
}

impl Complete {
    fn read(dir: &Path) -> Complete {
        Outputs::read(dir); // counts agree
        Complete {
            data: DATA.iter().map(|f| std::fs::read(dir.join(f)).unwrap()).collect(),
            summary: stable_summary(dir),
        }
    }
}

fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("storydup")
}

/// `storydup -q dedup INPUT --out DIR --on-error skip`, started, not waited for.
fn start(input: &Path, dir: &Path) -> std::process::Child {
    Command::new(binary())
        .args(["-q", "dedup"])
        .arg(input)
        .arg("--out")
        .arg(dir)
        .args(["--on-error", "skip"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Runs to the end and returns how long it took.
fn run_timed(input: &Path, dir: &Path) -> Duration {
    let t = Instant::now();
    let status = start(input, dir).wait().unwrap();
    assert!(status.success(), "dedup of {} failed", input.display());
    t.elapsed()
}

/// Whether `name`, found in an output folder, is an output or a hidden leftover of a killed run.
fn is_leftover(name: &str) -> bool {
    let tmp = ["summary.json"]
        .iter()
        .chain(DATA.iter())
        .any(|o| name.starts_with(&format!(".storydup.{o}.")) && name.ends_with(".tmp"));
    tmp || name.starts_with(".storydup-spool.")
}

/// Checks the folder after a kill; returns which input's complete result it holds (0, 1), if any,
/// the number of leftovers, and which run each data file present is from.
#[track_caller]
fn check_folder(
    dir: &Path,
    results: &[Complete; 2],
    inputs: &[PathBuf; 2],
    when: &str,
) -> (Option<usize>, usize, String) {
    let mut leftovers = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name == "summary.json" || DATA.contains(&name.as_str()) {
            continue;
        }
        assert!(
            is_leftover(&name),
            "{when}: unexpected file {name:?} in the output folder (a leftover must be a hidden temporary file)"
        );
        leftovers += 1;
    }
    // Every file under an output name is whole: one of the two complete results' version of it.
    let mut owner = Vec::new();
    for (i, f) in DATA.iter().enumerate() {
        let Ok(bytes) = std::fs::read(dir.join(f)) else {
            owner.push(None);
            continue;
        };
        let from: Vec<usize> = (0..2).filter(|&r| results[r].data[i] == bytes).collect();
        assert!(
            !from.is_empty(),
            "{when}: {f} ({} bytes) is neither run's complete {f}: partially written",
            bytes.len()
        );
        owner.push(Some(from));
    }
    let files: Vec<String> = DATA
        .iter()
        .zip(&owner)
        .filter_map(|(f, o)| o.as_ref().map(|o| format!("{f} of run {o:?}")))
        .collect();
    let files = files.join(", ");
    if !dir.join("summary.json").exists() {
        return (None, leftovers, files); // nothing that looks complete: allowed
    }
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    let parsed: Result<Value, _> = serde_json::from_str(&text);
    assert!(parsed.is_ok(), "{when}: summary.json is not whole JSON:\n{text}");
    let summary = stable_summary(dir);
    let r = (0..2)
        .find(|&r| results[r].summary == summary)
        .unwrap_or_else(|| panic!("{when}: summary.json is neither run's summary:\n{text}"));
    for (i, f) in DATA.iter().enumerate() {
        assert!(
            owner[i].as_ref().is_some_and(|from| from.contains(&r)),
            "{when}: summary.json is run {r}'s but {f} is not: a mix of two runs that looks complete"
        );
    }
    verify(dir, &[&inputs[r]], None).verified();
    (Some(r), leftovers, files)
}

/// When a run is killed.
#[derive(Debug, Clone, Copy)]
enum When {
    /// After this share of a full run's time.
    After(f64),
    /// As soon as a hidden file with this prefix appears (a stage has begun writing).
    Appears(&'static str),
    /// Once the temporary kept.jsonl holds some bytes, not yet all (mid-copy).
    KeptPartlyWritten,
    /// As soon as summary.json is gone: the commit has begun, the data files are being renamed.
    SummaryGone,
}

/// A file in `dir` whose name starts with `prefix` and is not one of `old` (leftovers of
/// earlier kills).
fn new_with(dir: &Path, prefix: &str, old: &[String]) -> Option<PathBuf> {
    std::fs::read_dir(dir).ok()?.filter_map(Result::ok).find_map(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        (name.starts_with(prefix) && !old.contains(&name)).then(|| e.path())
    })
}

/// Starts a run on `input` into `dir`, waits for `when` (or the run's end, or a time limit), then
/// SIGKILLs it. Returns whether the kill found it still running, and the exit status.
fn run_and_kill(
    input: &Path,
    dir: &Path,
    when: When,
    full: Duration,
    kept_len: u64,
) -> (bool, std::process::ExitStatus) {
    let old = hidden_entries(dir);
    let mut child = start(input, dir);
    let t = Instant::now();
    let limit = full * 4 + Duration::from_secs(5);
    loop {
        if child.try_wait().unwrap().is_some() || t.elapsed() > limit {
            break;
        }
        let now = match when {
            When::After(frac) => t.elapsed() >= full.mul_f64(frac),
            When::Appears(prefix) => new_with(dir, prefix, &old).is_some(),
            When::KeptPartlyWritten => new_with(dir, ".storydup.kept.jsonl.", &old)
                .and_then(|p| std::fs::metadata(p).ok())
                .is_some_and(|m| m.len() > 0 && m.len() < kept_len),
            When::SummaryGone => !dir.join("summary.json").exists(),
        };
        if now {
            break;
        }
        match when {
            When::After(_) => std::thread::sleep(Duration::from_millis(1)),
            _ => std::thread::sleep(Duration::from_micros(200)),
        }
    }
    let running = child.try_wait().unwrap().is_none();
    if running {
        child.kill().unwrap(); // SIGKILL on Unix
    }
    (running, child.wait().unwrap())
}

#[test]
fn a_killed_run_leaves_the_previous_result_or_nothing_that_looks_complete() {
    let env = Env::new();
    // Two different corpora (no record in common), with bad lines so that rejected.jsonl is
    // written too; big enough that a debug build takes about a second.
    let size = 12 << 20;
    let inputs = [
        env.write_lines("a.jsonl", &seed_corpus("a", size, 0, true)),
        env.write_lines("b.jsonl", &seed_corpus("b", size, 2, true)),
    ];
    let dir = env.out();
    let t_a = run_timed(&inputs[0], &dir);
    let reference_b = env.path("reference-b");
    let t_b = run_timed(&inputs[1], &reference_b);
    let results = [Complete::read(&dir), Complete::read(&reference_b)];
    for (i, f) in DATA.iter().enumerate() {
        assert!(
            results[0].data[i] != results[1].data[i],
            "the two runs' {f} must differ"
        );
    }
    assert_eq!(check_folder(&dir, &results, &inputs, "after the first run").0, Some(0));
    let full = t_a.max(t_b);

    // Kill runs into the same folder, each on the input the folder does not hold (so that a mix
    // of the two would show): at delays spread over a full run, then at the moments that
    // matter, found by watching the folder: when kept.jsonl is begun and part-written, when the
    // summary is being written, and once the commit has removed the old summary (before each of
    // these the folder is given a complete result again, if a kill left it without one).
    let n = 8;
    let mut plan: Vec<When> = (0..n)
        .map(|k| When::After(0.05 + 0.90 * k as f64 / (n - 1) as f64))
        .collect();
    plan.extend([
        When::Appears(".storydup.kept.jsonl."),
        When::KeptPartlyWritten,
        When::Appears(".storydup.summary.json."),
        When::SummaryGone,
    ]);
    let mut holds = Some(0);
    let mut killed_mid_run = 0;
    let mut log = Vec::new();
    for (k, &when) in plan.iter().enumerate() {
        if !matches!(when, When::After(_)) && holds.is_none() {
            let r = k % 2;
            run_timed(&inputs[r], &dir);
            holds = check_folder(&dir, &results, &inputs, "after a restoring run").0;
            assert_eq!(holds, Some(r));
        }
        let next = match holds {
            Some(r) => 1 - r,
            None => k % 2,
        };
        let kept_len = results[next].data[0].len() as u64;
        let (running, status) = run_and_kill(&inputs[next], &dir, when, full, kept_len);
        killed_mid_run += usize::from(running);
        let what = format!("kill {k} ({when:?}) of a run on input {next}");
        let (now, left, files) = check_folder(&dir, &results, &inputs, &what);
        if !running {
            assert!(status.success(), "{what}: the run failed by itself");
            assert_eq!(now, Some(next), "{what}: a finished run must leave its complete result");
        }
        log.push(format!(
            "{when:?}: {}, folder holds {} ({files}), {left} leftovers",
            if running { "killed" } else { "had finished" },
            now.map_or("no summary".to_string(), |r| format!("complete run {r}"))
        ));
        holds = now;
    }
    eprintln!("kill test, full run {full:?}:\n  {}", log.join("\n  "));
    assert!(
        killed_mid_run >= n / 2,
        "only {killed_mid_run} of {} kills landed mid-run",
        plan.len()
    );

    // A run that is let finish gives a complete, verified result despite the leftovers.
    let last = holds.map_or(0, |r| 1 - r);
    run_timed(&inputs[last], &dir);
    let (now, left, _) = check_folder(&dir, &results, &inputs, "after a full run");
    assert_eq!(now, Some(last));
    eprintln!("  after a full run: {left} leftovers");
}

/// Starts a run on `input` into `dir` and SIGKILLs it once its spool folder exists.
fn kill_once_started(input: &Path, dir: &Path) {
    let mut child = start(input, dir);
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(20) {
        let spooled = std::fs::read_dir(dir)
            .is_ok_and(|mut rd| rd.any(|e| e.unwrap().file_name().to_string_lossy().starts_with(".storydup-spool.")));
        if spooled || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    // Let it spool some of the input first.
    std::thread::sleep(Duration::from_millis(100));
    let _ = child.kill();
    child.wait().unwrap();
}

fn hidden_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    v.sort();
    v
}

#[test]
fn a_successful_run_removes_the_leftovers_of_killed_runs() {
    let env = Env::new();
    let lines = seed_corpus("c", 8 << 20, 0, false);
    let input = env.write("in.jsonl.gz", gzip(&join_lines(&lines)));
    let dir = env.out();
    for _ in 0..2 {
        kill_once_started(&input, &dir);
    }
    let left = hidden_entries(&dir);
    assert!(
        !left.is_empty(),
        "the kills left nothing behind; the test needs leftovers"
    );
    dedup(&[&input], &dir, &[]).ok();
    assert_eq!(
        hidden_entries(&dir),
        Vec::<String>::new(),
        "leftovers before the run: {left:?}"
    );
}

/// A run paused and resumed with SIGSTOP and SIGCONT; resumed and killed if the test fails.
struct Paused(Option<std::process::Child>);

impl Paused {
    fn signal(&self, sig: &str) {
        let pid = self.0.as_ref().expect("not yet waited for").id();
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(pid.to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig} {pid} failed");
    }

    /// SIGSTOP, then waits until every thread has stopped (a signal is delivered asynchronously).
    fn stop(&self) {
        self.signal("STOP");
        let pid = self.0.as_ref().expect("not yet waited for").id();
        let t = Instant::now();
        let stopped = || {
            std::fs::read_dir(format!("/proc/{pid}/task")).unwrap().all(|task| {
                let stat = std::fs::read_to_string(task.unwrap().path().join("stat")).unwrap_or_default();
                // The state follows the command name in parentheses: T when stopped.
                stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('T'))
            })
        };
        while !stopped() {
            let states: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/task"))
                .unwrap()
                .map(|task| std::fs::read_to_string(task.unwrap().path().join("stat")).unwrap_or_default())
                .collect();
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "run {pid} did not stop: {states:?}"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    fn wait(mut self) -> std::process::ExitStatus {
        self.0.take().expect("waited for once").wait().unwrap()
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = Command::new("kill").arg("-CONT").arg(child.id().to_string()).status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Waits (up to 20 s) until a hidden file or folder with this prefix, not one of `old`, appears
/// in `dir`.
fn wait_for(dir: &Path, prefix: &str, old: &[String]) -> PathBuf {
    let t = Instant::now();
    loop {
        if let Some(p) = new_with(dir, prefix, old) {
            return p;
        }
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "no new {prefix}* appeared in 20 s"
        );
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[test]
fn a_live_run_keeps_its_temporary_files_while_other_runs_clean_up() {
    let env = Env::new();
    let live_input = env.write("live.jsonl.gz", gzip(&join_lines(&seed_corpus("l", 8 << 20, 0, false))));
    let other = env.write_lines("other.jsonl", &seed_corpus("o", 1 << 20, 1, true));
    let dir = env.out();
    std::fs::create_dir_all(&dir).unwrap();
    let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();

    // The live run, paused while it spools its input (alive, holding its locks).
    let live = Paused(Some(start(&live_input, &dir)));
    let spool = wait_for(&dir, ".storydup-spool.", &[]);
    live.stop();
    // Paused between making its spool folder and locking it, the folder would look like a dead
    // run's (atomic::Spool::create); step it on until it holds the lock.
    let held =
        |p: &Path| std::fs::File::open(p).is_ok_and(|f| matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock)));
    for _ in 0..10_000 {
        if held(&spool) {
            break;
        }
        live.signal("CONT");
        live.stop();
    }
    assert!(held(&spool), "the live run never locked its spool folder");
    let spooled: Vec<(PathBuf, u64)> = std::fs::read_dir(&spool)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.path(), e.metadata().unwrap().len())
        })
        .collect();
    // Meanwhile a run is killed in the same folder: its spool is a dead run's leftover. It reads
    // standard input, held open, so it is still running when killed however loaded the machine.
    let old = hidden_entries(&dir);
    let mut killed = Command::new(binary())
        .args(["-q", "dedup", "-", "--out"])
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut pipe = killed.stdin.take().unwrap();
    pipe.write_all(&join_lines(&seed_corpus("k", 1 << 20, 3, false)))
        .unwrap();
    pipe.flush().unwrap();
    wait_for(&dir, ".storydup-spool.", &old);
    assert!(
        killed.try_wait().unwrap().is_none(),
        "the run to kill cannot end: its input is open"
    );
    killed.kill().unwrap(); // SIGKILL on Unix
    killed.wait().unwrap();
    drop(pipe);
    let dead = hidden_entries(&dir);
    assert!(dead.len() >= 2, "the kill left nothing behind: {dead:?}");
    // A run that finishes removes the dead run's leftovers and not the live run's spool.
    dedup(&[&other], &dir, &["--on-error", "skip"]).ok();
    assert_eq!(
        hidden_entries(&dir),
        vec![name(&spool)],
        "only the live run's spool stays (before: {dead:?})"
    );
    for (p, len) in &spooled {
        assert_eq!(std::fs::metadata(p).unwrap().len(), *len, "{} changed", p.display());
    }

    // Paused again while it writes its outputs: its temporary files stay too.
    live.signal("CONT");
    // The first output begun; all are renamed into place together at the end.
    wait_for(&dir, ".storydup.removed.jsonl.", &[]);
    live.stop();
    // Only files the run has locked are its own yet: paused between creating a file and locking
    // it, the file may be swept, and the run then makes another (src/report.rs). So pause again
    // until it holds a lock on at least one.
    let locked = |n: &String| {
        std::fs::File::open(dir.join(n)).is_ok_and(|f| matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock)))
    };
    // It must also be paused before it takes the folder's lock to rename its outputs into place
    // (atomic::commit_all): paused holding that lock, it would make the other run wait for it.
    let committing = || {
        std::fs::File::open(&dir).is_ok_and(|f| match f.try_lock() {
            Err(std::fs::TryLockError::WouldBlock) => true,
            Ok(()) => {
                f.unlock().unwrap();
                false
            }
            Err(e) => panic!("cannot test the folder's lock: {e:?}"),
        })
    };
    let mut writing: Vec<String> = Vec::new();
    for _ in 0..10_000 {
        assert!(
            !committing(),
            "the live run began renaming its outputs before it was caught writing them"
        );
        writing = hidden_entries(&dir)
            .into_iter()
            .filter(|n| n.ends_with(".tmp") && locked(n))
            .collect();
        if !writing.is_empty() {
            break;
        }
        // Steps as short as the scheduler allows, so that the pause falls inside the writing.
        live.signal("CONT");
        live.stop();
    }
    assert!(!writing.is_empty(), "the live run is writing its outputs");
    dedup(&[&other], &dir, &["--on-error", "skip"]).ok();
    let left = hidden_entries(&dir);
    for f in &writing {
        assert!(left.contains(f), "the live run's {f} was removed; left: {left:?}");
    }

    // Resumed, it finishes as if alone: its complete result, nothing left behind.
    live.signal("CONT");
    let status = live.wait();
    assert!(status.success(), "the live run failed after the others ran: {status}");
    Outputs::read(&dir);
    verify(&dir, &[&live_input], None).verified();
    assert_eq!(hidden_entries(&dir), Vec::<String>::new());
}

#[test]
fn outputs_have_the_permissions_of_a_newly_created_file() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let (docs, _) = family_corpus();
    let (input, _) = env.write_docs("in.jsonl", &docs);
    dedup(&[&input], &env.out(), &[]).ok();
    // What the umask gives a new file in the same folder.
    let probe = env.out().join("probe");
    std::fs::File::create(&probe).unwrap();
    let expected = std::fs::metadata(&probe).unwrap().permissions().mode() & 0o777;
    for f in ["summary.json"].iter().chain(DATA.iter()) {
        let mode = std::fs::metadata(env.out().join(f)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, expected, "{f} has mode {mode:o}, a new file gets {expected:o}");
    }
}
