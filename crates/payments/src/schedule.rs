//! Assigning cash and goods recipients to distribution points (post office, village hall, e-Warung),
//! days and slots: near their village, never over a slot's capacity, and spread evenly over the days.
//!
//! Nearness comes from the village code `PP.RR.KK.DDDD` (province, regency, kecamatan — the
//! district — and village): a point in the same village, else in the same kecamatan (the first 8
//! characters), else in the same regency (the first 5). Each tier is filled for every recipient
//! before the next is tried, so a household is sent further only when the nearer points are full.
//! Within a tier the point with the most free capacity is taken; within a point recipients go
//! round-robin over the days, then over the slots, so day loads differ by at most one.
//!
//! Recipients are taken in the order of their `key`, a keyed hash the caller computes: who gets the
//! first day is then unrelated to identity. Never derive it from NIK digits: NIK serials start at
//! 0001, so their last digits skew low (see `tests/schedule.rs`). The method is described in
//! `docs/vouchers.md`.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tepat_domain::{Lang, Localized};

/// A distribution point as the assignment sees it. `village` is its full village code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub village: String,
    pub capacity_per_slot: u32,
    pub slots_per_day: u32,
}

/// A household to place. `key` must be uniform: a keyed hash of the household id, never NIK digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub village: String,
    pub key: u64,
}

/// Where and when: an index into the points, into the days, and the slot of the day (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Slot {
    pub point: u32,
    pub day: u16,
    pub slot: u16,
}

/// How near the point is to the recipient's village.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Tier {
    Village,
    Kecamatan,
    Regency,
}

const TIERS: [Tier; 3] = [Tier::Village, Tier::Kecamatan, Tier::Regency];

impl Tier {
    /// The part of a village code that must match for this tier; `None` when the code is too short.
    pub fn area(self, village: &str) -> Option<&str> {
        match self {
            Tier::Village => Some(village),
            Tier::Kecamatan => village.get(..8),
            Tier::Regency => village.get(..5),
        }
    }
}

/// Why a recipient has no slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Unplaced {
    /// No point at all in the recipient's regency: a point must be added.
    NoPointInRegency,
    /// Every point of the regency is full on every day: add days, slots or capacity.
    AllFull,
}

/// The result of [`assign`]: a slot per recipient (same order as given), what happened, and the
/// loads to reschedule against.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub slots: Vec<Option<Slot>>,
    pub summary: Summary,
    pub loads: Loads,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub assigned: usize,
    /// How many were placed in their own village, in their kecamatan, in their regency.
    pub by_tier: [usize; 3],
    /// Recipients without a slot: their index and why.
    pub unassigned: Vec<(usize, Unplaced)>,
}

impl Summary {
    pub fn placed_in(&self, tier: Tier) -> usize {
        self.by_tier[tier as usize]
    }

    pub fn unplaced(&self, why: Unplaced) -> usize {
        self.unassigned.iter().filter(|(_, w)| *w == why).count()
    }
}

/// Wrong input to the assignment, or no room for a reschedule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("at most {} distribution days can be scheduled, not {days}", u16::MAX)]
    TooManyDays { days: usize },
    #[error("point {point} has more than {} slots a day", u16::MAX)]
    TooManySlots { point: usize },
    #[error("there is no point {point}")]
    UnknownPoint { point: u32 },
    #[error("day {day} is outside the distribution days")]
    DayOutOfRange { day: u16 },
    #[error("slot {slot:?} does not exist")]
    SlotOutOfRange { slot: Slot },
    #[error("slot {slot:?} is already full")]
    SlotFull { slot: Slot },
    #[error("slot {slot:?} has no one assigned to remove")]
    SlotEmpty { slot: Slot },
    #[error("no free slot on or after that day")]
    NoRoom,
    #[error("there is no distribution point in the recipient's regency")]
    NoPointInRegency,
}

impl Localized for ScheduleError {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (ScheduleError::NoRoom, Lang::Id) => "Tidak ada slot kosong di titik penyaluran ini \
                pada atau setelah tanggal itu. Pilih tanggal lain, titik lain, atau tambah kapasitas."
                .into(),
            (ScheduleError::NoRoom, Lang::En) => "There is no free slot at this distribution point \
                on or after that day. Choose another day or point, or add capacity."
                .into(),
            (ScheduleError::NoPointInRegency, Lang::Id) => "Belum ada titik penyaluran di \
                kabupaten/kota penerima. Tambahkan titik penyaluran terlebih dahulu."
                .into(),
            (ScheduleError::NoPointInRegency, Lang::En) => "There is no distribution point in the \
                recipient's regency yet. Add a distribution point first."
                .into(),
            (ScheduleError::DayOutOfRange { .. }, Lang::Id) => {
                "Tanggal itu di luar hari penyaluran periode ini.".into()
            }
            (ScheduleError::SlotFull { .. }, Lang::Id) => "Slot itu sudah penuh.".into(),
            (_, Lang::Id) => "Jadwal penyaluran tidak dapat diubah karena datanya tidak cocok. \
                Muat ulang halaman dan coba lagi."
                .into(),
            (other, Lang::En) => {
                let mut text = other.to_string();
                text[..1].make_ascii_uppercase();
                text + "."
            }
        }
    }
}

/// How many recipients each point has per slot, day and in total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loads {
    days: u16,
    capacity: Vec<u32>,
    slots_per_day: Vec<u16>,
    /// Where each point's `days × slots_per_day` slot counts start in `slot_counts`.
    offsets: Vec<usize>,
    slot_counts: Vec<u32>,
    day_counts: Vec<u32>,
    point_counts: Vec<u64>,
}

impl Loads {
    /// Empty loads for `points` over `days` days.
    pub fn new(points: &[Point], days: usize) -> Result<Loads, ScheduleError> {
        let days = u16::try_from(days).map_err(|_| ScheduleError::TooManyDays { days })?;
        let mut offsets = Vec::with_capacity(points.len());
        let mut slots_per_day = Vec::with_capacity(points.len());
        let mut total = 0usize;
        for (i, p) in points.iter().enumerate() {
            let slots = u16::try_from(p.slots_per_day)
                .map_err(|_| ScheduleError::TooManySlots { point: i })?;
            offsets.push(total);
            slots_per_day.push(slots);
            total += usize::from(days) * usize::from(slots);
        }
        Ok(Loads {
            days,
            capacity: points.iter().map(|p| p.capacity_per_slot).collect(),
            slots_per_day,
            offsets,
            slot_counts: vec![0; total],
            day_counts: vec![0; points.len() * usize::from(days)],
            point_counts: vec![0; points.len()],
        })
    }

    pub fn days(&self) -> u16 {
        self.days
    }

    pub fn points(&self) -> usize {
        self.capacity.len()
    }

    pub fn slot_load(&self, slot: Slot) -> u32 {
        self.slot_index(slot).map_or(0, |i| self.slot_counts[i])
    }

    pub fn day_load(&self, point: u32, day: u16) -> u32 {
        self.day_index(point, day).map_or(0, |i| self.day_counts[i])
    }

    pub fn point_load(&self, point: u32) -> u64 {
        self.point_counts.get(point as usize).copied().unwrap_or(0)
    }

    /// Places still free at a point over all days.
    pub fn free(&self, point: u32) -> u64 {
        let p = point as usize;
        if p >= self.capacity.len() {
            return 0;
        }
        let room =
            u64::from(self.days) * u64::from(self.slots_per_day[p]) * u64::from(self.capacity[p]);
        room.saturating_sub(self.point_counts[p])
    }

    /// Counts one more recipient in `slot`, refusing to exceed its capacity.
    pub fn add(&mut self, slot: Slot) -> Result<(), ScheduleError> {
        let i = self
            .slot_index(slot)
            .ok_or(ScheduleError::SlotOutOfRange { slot })?;
        if self.slot_counts[i] >= self.capacity[slot.point as usize] {
            return Err(ScheduleError::SlotFull { slot });
        }
        self.slot_counts[i] += 1;
        let d = self.day_index(slot.point, slot.day).unwrap_or_default();
        self.day_counts[d] += 1;
        self.point_counts[slot.point as usize] += 1;
        Ok(())
    }

    /// Counts one recipient fewer in `slot`.
    pub fn remove(&mut self, slot: Slot) -> Result<(), ScheduleError> {
        let i = self
            .slot_index(slot)
            .ok_or(ScheduleError::SlotOutOfRange { slot })?;
        if self.slot_counts[i] == 0 {
            return Err(ScheduleError::SlotEmpty { slot });
        }
        self.slot_counts[i] -= 1;
        let d = self.day_index(slot.point, slot.day).unwrap_or_default();
        self.day_counts[d] -= 1;
        self.point_counts[slot.point as usize] -= 1;
        Ok(())
    }

    fn slot_index(&self, slot: Slot) -> Option<usize> {
        let p = slot.point as usize;
        let slots = *self.slots_per_day.get(p)?;
        (slot.day < self.days && slot.slot < slots).then(|| {
            self.offsets[p] + usize::from(slot.day) * usize::from(slots) + usize::from(slot.slot)
        })
    }

    fn day_index(&self, point: u32, day: u16) -> Option<usize> {
        let p = point as usize;
        (p < self.capacity.len() && day < self.days)
            .then(|| p * usize::from(self.days) + usize::from(day))
    }

    fn day_room(&self, point: u32) -> u32 {
        let p = point as usize;
        u32::from(self.slots_per_day[p]).saturating_mul(self.capacity[p])
    }

    /// The least-loaded day, then its least-loaded slot (earliest on ties): round-robin over days,
    /// then slots, and it stays even when loads were given.
    fn evenest_slot(&self, point: u32) -> Option<Slot> {
        let p = point as usize;
        let days = usize::from(self.days);
        let day_counts = &self.day_counts[p * days..(p + 1) * days];
        let (day, &load) = day_counts
            .iter()
            .enumerate()
            .min_by_key(|(d, load)| (**load, *d))?;
        if load >= self.day_room(point) {
            return None;
        }
        self.slot_in_day(point, day as u16, |counts| {
            counts.iter().enumerate().min_by_key(|(s, c)| (**c, *s))
        })
    }

    /// The earliest slot with room on or after `from_day`.
    fn next_free_slot(&self, point: u32, from_day: u16) -> Option<Slot> {
        let cap = self.capacity[point as usize];
        (from_day..self.days)
            .filter(|&d| self.day_load(point, d) < self.day_room(point))
            .find_map(|d| {
                self.slot_in_day(point, d, |counts| {
                    counts.iter().enumerate().find(|(_, c)| **c < cap)
                })
            })
    }

    fn slot_in_day<'a>(
        &'a self,
        point: u32,
        day: u16,
        pick: impl Fn(&'a [u32]) -> Option<(usize, &'a u32)>,
    ) -> Option<Slot> {
        let p = point as usize;
        let slots = usize::from(self.slots_per_day[p]);
        let start = self.offsets[p] + usize::from(day) * slots;
        let (slot, &count) = pick(&self.slot_counts[start..start + slots])?;
        (count < self.capacity[p]).then_some(Slot {
            point,
            day,
            slot: slot as u16,
        })
    }
}

/// Points grouped by area for each tier, each group ordered by free capacity (most first).
struct Groups<'a> {
    ids: [HashMap<&'a str, usize>; 3],
    /// The group of each point, per tier.
    member_of: Vec<[Option<usize>; 3]>,
    by_free: Vec<BTreeSet<(Reverse<u64>, u32)>>,
}

impl<'a> Groups<'a> {
    fn new(points: &'a [Point], loads: &Loads) -> Groups<'a> {
        let mut groups = Groups {
            ids: Default::default(),
            member_of: Vec::with_capacity(points.len()),
            by_free: Vec::new(),
        };
        for (i, p) in points.iter().enumerate() {
            let mut member = [None; 3];
            for tier in TIERS {
                let Some(area) = tier.area(&p.village) else {
                    continue;
                };
                let next = groups.by_free.len();
                let id = *groups.ids[tier as usize].entry(area).or_insert(next);
                if id == next {
                    groups.by_free.push(BTreeSet::new());
                }
                member[tier as usize] = Some(id);
                let free = loads.free(i as u32);
                if free > 0 {
                    groups.by_free[id].insert((Reverse(free), i as u32));
                }
            }
            groups.member_of.push(member);
        }
        groups
    }

    fn group(&self, tier: Tier, village: &str) -> Option<usize> {
        self.ids[tier as usize].get(tier.area(village)?).copied()
    }

    fn roomiest(&self, group: usize) -> Option<u32> {
        self.by_free[group].first().map(|&(_, p)| p)
    }

    /// Each recipient's group per tier, looking each distinct village up once.
    fn of_recipients(&self, recipients: &[Recipient]) -> Vec<[Option<usize>; 3]> {
        let mut seen: HashMap<&str, [Option<usize>; 3]> = HashMap::new();
        recipients
            .iter()
            .map(|r| {
                *seen
                    .entry(r.village.as_str())
                    .or_insert_with(|| TIERS.map(|tier| self.group(tier, &r.village)))
            })
            .collect()
    }

    /// Takes the evenest slot of the group's roomiest point, if any point has room.
    fn place(&mut self, group: usize, loads: &mut Loads) -> Option<Slot> {
        let point = self.roomiest(group)?;
        let slot = loads.evenest_slot(point)?;
        let old_free = loads.free(point);
        loads.add(slot).ok()?;
        self.update(point, old_free, loads.free(point));
        Some(slot)
    }

    fn update(&mut self, point: u32, old_free: u64, new_free: u64) {
        for id in self.member_of[point as usize].into_iter().flatten() {
            self.by_free[id].remove(&(Reverse(old_free), point));
            if new_free > 0 {
                self.by_free[id].insert((Reverse(new_free), point));
            }
        }
    }
}

/// Assigns every recipient a point, day and slot over `days` (the result's `day` indexes it).
pub fn assign(
    points: &[Point],
    recipients: &[Recipient],
    days: &[NaiveDate],
) -> Result<Schedule, ScheduleError> {
    let loads = Loads::new(points, days.len())?;
    Ok(assign_onto(points, recipients, loads))
}

/// Like [`assign`], on top of existing loads (from `Loads::new` and `Loads::add`): for adding
/// recipients to a schedule already made.
pub fn assign_onto(points: &[Point], recipients: &[Recipient], mut loads: Loads) -> Schedule {
    let mut groups = Groups::new(points, &loads);
    let wanted = groups.of_recipients(recipients);
    // Sorted once, with each recipient's groups alongside: the passes then read memory in order.
    let mut pending: Vec<(u64, u32, [Option<usize>; 3])> = recipients
        .iter()
        .zip(&wanted)
        .enumerate()
        .map(|(i, (r, w))| (r.key, i as u32, *w))
        .collect();
    pending.sort_unstable_by_key(|&(key, i, _)| (key, i));
    let mut slots = vec![None; recipients.len()];
    let mut summary = Summary::default();
    for tier in TIERS {
        pending.retain(|&(_, i, wanted)| {
            let Some(slot) = wanted[tier as usize].and_then(|g| groups.place(g, &mut loads)) else {
                return true;
            };
            slots[i as usize] = Some(slot);
            summary.by_tier[tier as usize] += 1;
            false
        });
    }
    for (i, slot) in slots.iter().enumerate() {
        if slot.is_none() {
            let why = match wanted[i][Tier::Regency as usize] {
                Some(_) => Unplaced::AllFull,
                None => Unplaced::NoPointInRegency,
            };
            summary.unassigned.push((i, why));
        }
    }
    summary.assigned = recipients.len() - summary.unassigned.len();
    Schedule {
        slots,
        summary,
        loads,
    }
}

/// Moves one recipient (out of `current`, if placed) to the earliest free slot on or after
/// `from_day`: at `point` when given, else at the nearest tier of points with such a slot (the
/// earliest slot wins, then the point with most free capacity). Loads are updated; on an error they
/// are left as they were.
pub fn reschedule(
    points: &[Point],
    loads: &mut Loads,
    recipient: &Recipient,
    current: Option<Slot>,
    point: Option<u32>,
    from_day: u16,
) -> Result<Slot, ScheduleError> {
    if from_day >= loads.days() {
        return Err(ScheduleError::DayOutOfRange { day: from_day });
    }
    if let Some(p) = point.filter(|&p| p as usize >= points.len().min(loads.points())) {
        return Err(ScheduleError::UnknownPoint { point: p });
    }
    if let Some(slot) = current {
        loads.remove(slot)?;
    }
    let found = match point {
        Some(p) => loads
            .next_free_slot(p, from_day)
            .ok_or(ScheduleError::NoRoom),
        None => nearest_free_slot(points, loads, &recipient.village, from_day),
    };
    let placed = found.and_then(|slot| loads.add(slot).map(|()| slot));
    if placed.is_err() {
        if let Some(slot) = current {
            // It was counted a moment ago, so there is room to put it back.
            let _ = loads.add(slot);
        }
    }
    placed
}

fn nearest_free_slot(
    points: &[Point],
    loads: &Loads,
    village: &str,
    from_day: u16,
) -> Result<Slot, ScheduleError> {
    let regency = Tier::Regency.area(village);
    if !points
        .iter()
        .any(|p| regency.is_some() && Tier::Regency.area(&p.village) == regency)
    {
        return Err(ScheduleError::NoPointInRegency);
    }
    TIERS
        .iter()
        .find_map(|&tier| {
            let area = tier.area(village)?;
            points
                .iter()
                .enumerate()
                .take(loads.points())
                .filter(|(_, p)| tier.area(&p.village) == Some(area))
                .filter_map(|(i, _)| loads.next_free_slot(i as u32, from_day))
                .min_by_key(|s| (s.day, s.slot, Reverse(loads.free(s.point)), s.point))
        })
        .ok_or(ScheduleError::NoRoom)
}
