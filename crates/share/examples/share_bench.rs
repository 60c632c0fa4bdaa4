//! Benchmark of the allocation keys on a generated community (seeded, deterministic).
//!
//! ```text
//! cargo run --release -p quartier-share --example share_bench -- \
//!     [--consumers 1000] [--producers 10] [--days 365] [--seed 42] [--repeat 3] [--out DIR]
//!     [--hugepages on|off]
//! ```
//!
//! Times every key single-threaded and with rayon, printing values per second (consumer ×
//! step values allocated per second), and single-threaded allocation followed by
//! `allocated_matrix_kwh()` (the full matrix, built on read for the default and static keys). With `--out DIR` it also writes the input and each
//! key's allocation as `.npy` files and the timings as `rust_timings.csv`, for
//! `bench/share/bench_numpy.py` to run the same keys with numpy and compare.
//!
//! `--hugepages on` (Linux) makes this binary's allocator ask the kernel for transparent huge
//! pages on large blocks (`madvise(MADV_HUGEPAGE)`), as numpy's allocator does by default:
//! with the kernel's THP mode at `madvise`, page faults on the fresh 280 MB output matrices
//! otherwise dominate the memory-bound keys. The library itself stays free of `unsafe`.

use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{TimeZone, Timelike, Utc};
use quartier_share::{
    AllocateOptions, CommunityBuilder, CustomKey, Group, Inside, Key, Leftover, Member, MemberId,
    Role, Threads, allocate_with,
};
use quartier_timeseries::{Axis, Quantity, Series, Step};

#[cfg(target_os = "linux")]
mod huge_pages {
    //! A global allocator that advises huge pages for blocks of 4 MiB or more (when enabled).
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicBool, Ordering};

    pub static ENABLED: AtomicBool = AtomicBool::new(false);
    const MADV_HUGEPAGE: i32 = 14;
    const TWO_MIB: usize = 2 << 20;

    unsafe extern "C" {
        fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: i32) -> i32;
    }

    pub struct HugePages;

    fn advise(p: *mut u8, size: usize) {
        if p.is_null() || size < 2 * TWO_MIB || !ENABLED.load(Ordering::Relaxed) {
            return;
        }
        let start = (p as usize).next_multiple_of(TWO_MIB);
        let end = (p as usize + size) / TWO_MIB * TWO_MIB;
        if end > start {
            // SAFETY: [start, end) lies inside the block just allocated; madvise only
            // changes how the kernel backs those pages, not their contents.
            unsafe {
                madvise(start as *mut std::ffi::c_void, end - start, MADV_HUGEPAGE);
            }
        }
    }

    // SAFETY: every call is forwarded to the system allocator unchanged.
    unsafe impl GlobalAlloc for HugePages {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let p = unsafe { System.alloc(layout) };
            advise(p, layout.size());
            p
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            let p = unsafe { System.alloc_zeroed(layout) };
            advise(p, layout.size());
            p
        }
        unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
            unsafe { System.dealloc(p, layout) }
        }
        unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let q = unsafe { System.realloc(p, layout, new_size) };
            advise(q, new_size);
            q
        }
    }
}

#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: huge_pages::HugePages = huge_pages::HugePages;

/// splitmix64: a tiny, well-known seeded generator (no dependency needed for a benchmark).
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Args {
    consumers: usize,
    producers: usize,
    days: usize,
    seed: u64,
    repeat: usize,
    out: Option<PathBuf>,
    hugepages: bool,
}

fn parse_args() -> Result<Args, Box<dyn Error>> {
    let mut a = Args {
        consumers: 1000,
        producers: 10,
        days: 365,
        seed: 42,
        repeat: 3,
        out: None,
        hugepages: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--consumers" => a.consumers = value.parse()?,
            "--producers" => a.producers = value.parse()?,
            "--days" => a.days = value.parse()?,
            "--seed" => a.seed = value.parse()?,
            "--repeat" => a.repeat = value.parse::<usize>()?.max(1),
            "--out" => a.out = Some(PathBuf::from(value)),
            "--hugepages" => a.hugepages = value == "on",
            _ => return Err(format!("unknown flag {flag}").into()),
        }
    }
    Ok(a)
}

/// Writes a little-endian f64 array as a NumPy `.npy` file (format version 1.0).
fn write_npy(path: &Path, shape: &[usize], data: &[f64]) -> Result<(), Box<dyn Error>> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    f.write_all(b"\x93NUMPY\x01\x00")?;
    f.write_all(&u16::try_from(header.len())?.to_le_bytes())?;
    f.write_all(header.as_bytes())?;
    for v in data {
        f.write_all(&v.to_le_bytes())?;
    }
    f.flush()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    #[cfg(target_os = "linux")]
    huge_pages::ENABLED.store(args.hugepages, std::sync::atomic::Ordering::Relaxed);
    let (nc, np) = (args.consumers, args.producers);
    let start = Utc
        .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .ok_or("bad start")?;
    let axis = Axis::new(start, Step::MIN15, args.days * 96)?;
    let steps = axis.len();
    let mut rng = Rng(args.seed);

    // Input, step-major like the engine (and numpy) holds it.
    let hours: Vec<f64> = axis
        .times()
        .map(|t| f64::from(t.hour()) + f64::from(t.minute()) / 60.0)
        .collect();
    let clouds: Vec<f64> = (0..args.days).map(|_| 0.2 + 0.8 * rng.f64()).collect();
    let base: Vec<f64> = (0..nc).map(|_| 0.05 + 0.25 * rng.f64()).collect();
    let size_kw: Vec<f64> = (0..np).map(|_| 20.0 + 180.0 * rng.f64()).collect();
    let mut consumption = vec![0.0; steps * nc];
    for (t, row) in consumption.chunks_exact_mut(nc.max(1)).enumerate() {
        let h = hours[t];
        let shape =
            0.6 + 0.8 * (-((h - 7.5) / 1.5).powi(2)).exp() + (-((h - 19.0) / 2.0).powi(2)).exp();
        for (c, b) in row.iter_mut().zip(&base) {
            let r = rng.f64();
            *c = if r < 0.03 { 0.0 } else { b * shape * (0.5 + r) };
        }
    }
    let mut production = vec![0.0; steps * np];
    for (t, row) in production.chunks_exact_mut(np.max(1)).enumerate() {
        let sun = ((hours[t] - 5.0) / 14.0 * std::f64::consts::PI)
            .sin()
            .max(0.0);
        let cloud = clouds[t / 96];
        for (p, s) in row.iter_mut().zip(&size_kw) {
            *p = s * 0.25 * sun * cloud * (0.9 + 0.2 * rng.f64());
        }
    }
    let raw: Vec<f64> = (0..nc).map(|_| rng.f64()).collect();
    let raw_sum: f64 = raw.iter().sum();
    let static_k: Vec<f64> = raw.iter().map(|v| v / raw_sum).collect();
    let groups: Vec<f64> = (0..nc).map(|i| (i % 4) as f64).collect();
    let mut custom = vec![0.0; steps * nc];
    for row in custom.chunks_exact_mut(nc.max(1)) {
        row.iter_mut().for_each(|v| *v = rng.f64());
        let s: f64 = row.iter().sum();
        row.iter_mut().for_each(|v| *v = *v / s * 0.98);
    }

    // The community, from member-major series (as the readers give them).
    let cid = |i: usize| MemberId::new(format!("c{i:04}"));
    let pid = |p: usize| MemberId::new(format!("p{p:02}"));
    let mut b = CommunityBuilder::new(axis);
    for p in 0..np {
        let v = (0..steps).map(|t| production[t * np + p]).collect();
        b = b
            .member(Member::new(pid(p)?, Role::Producer))
            .curve(&pid(p)?, Series::new(axis, Quantity::EnergyKwh, v)?);
    }
    for i in 0..nc {
        let v = (0..steps).map(|t| consumption[t * nc + i]).collect();
        b = b
            .member(Member::new(cid(i)?, Role::Consumer))
            .curve(&cid(i)?, Series::new(axis, Quantity::EnergyKwh, v)?);
    }
    let t0 = Instant::now();
    let community = b.build()?;
    println!(
        "community: {nc} consumers, {np} producers, {steps} steps of 15 min ({} values); built in {:.2} s",
        nc * steps,
        t0.elapsed().as_secs_f64()
    );

    let consumers: Vec<MemberId> = (0..nc).map(cid).collect::<Result<_, _>>()?;
    let static_coefs: Vec<(MemberId, f64)> = consumers
        .iter()
        .cloned()
        .zip(static_k.iter().copied())
        .collect();
    let priority = Key::Priority {
        groups: (0..4)
            .map(|g| {
                let members: Vec<usize> = (0..nc).filter(|i| i % 4 == g).collect();
                Group {
                    members: members.iter().map(|&i| consumers[i].clone()).collect(),
                    inside: if g % 2 == 0 {
                        Inside::Prorata
                    } else {
                        Inside::Static(members.iter().map(|&i| static_k[i]).collect())
                    },
                }
            })
            .collect(),
    };
    let keys = vec![
        ("default", Key::Default),
        (
            "static_surplus",
            Key::Static {
                coefficients: static_coefs.clone(),
                leftover: Leftover::Surplus,
            },
        ),
        (
            "static_redistribute",
            Key::Static {
                coefficients: static_coefs,
                leftover: Leftover::Redistribute,
            },
        ),
        ("priority", priority),
        (
            "custom",
            Key::Custom(CustomKey::PerConsumer {
                axis,
                consumers: consumers.clone(),
                coefficients: custom.clone(),
            }),
        ),
    ];

    if let Some(out) = &args.out {
        std::fs::create_dir_all(out)?;
        write_npy(&out.join("consumption.npy"), &[steps, nc], &consumption)?;
        write_npy(&out.join("production.npy"), &[steps, np], &production)?;
        write_npy(&out.join("static_k.npy"), &[nc], &static_k)?;
        write_npy(&out.join("groups.npy"), &[nc], &groups)?;
        write_npy(&out.join("custom.npy"), &[steps, nc], &custom)?;
    }
    drop(custom);

    let mut timings = String::from("key,threads,seconds,values_per_second\n");
    println!(
        "{:<22}{:>14}{:>16}{:>14}{:>16}{:>9}{:>16}",
        "key", "single s", "single val/s", "rayon s", "rayon val/s", "speedup", "1T+matrix s"
    );
    for (name, key) in &keys {
        // best[2]: single-threaded allocation followed by building the full matrix (what
        // numpy produces), for the keys that store per-step scalars and compute on read.
        let mut best = [f64::INFINITY; 3];
        let mut results = Vec::new();
        for (j, threads) in [Threads::Single, Threads::Rayon].into_iter().enumerate() {
            for _ in 0..args.repeat {
                let t = Instant::now();
                let a = allocate_with(&community, key, &AllocateOptions { threads })?;
                best[j] = best[j].min(t.elapsed().as_secs_f64());
                if results.len() == j {
                    results.push(a);
                }
            }
        }
        for _ in 0..args.repeat {
            let t = Instant::now();
            let a = allocate_with(
                &community,
                key,
                &AllocateOptions {
                    threads: Threads::Single,
                },
            )?;
            let m = a.allocated_matrix_kwh().len();
            best[2] = best[2].min(t.elapsed().as_secs_f64());
            if m != nc * steps {
                return Err(format!("{name}: matrix of {m} values").into());
            }
        }
        if let [single, rayon] = results.as_slice() {
            if single.allocated_matrix_kwh() != rayon.allocated_matrix_kwh() {
                return Err(format!("{name}: rayon and single-threaded results differ").into());
            }
            if let Some(out) = &args.out {
                write_npy(
                    &out.join(format!("alloc_{name}.npy")),
                    &[steps, nc],
                    single.allocated_matrix_kwh(),
                )?;
            }
        }
        let values = (nc * steps) as f64;
        println!(
            "{name:<22}{:>14.3}{:>16.3e}{:>14.3}{:>16.3e}{:>9.2}{:>16.3}",
            best[0],
            values / best[0],
            best[1],
            values / best[1],
            best[0] / best[1],
            best[2]
        );
        timings.push_str(&format!("{name},single,{},{}\n", best[0], values / best[0]));
        timings.push_str(&format!("{name},rayon,{},{}\n", best[1], values / best[1]));
        timings.push_str(&format!(
            "{name},single_matrix,{},{}\n",
            best[2],
            values / best[2]
        ));
    }
    println!(
        "rayon threads: {}; huge pages advised: {}",
        rayon::current_num_threads(),
        args.hugepages
    );
    if let Some(out) = &args.out {
        std::fs::write(out.join("rust_timings.csv"), timings)?;
    }
    Ok(())
}
