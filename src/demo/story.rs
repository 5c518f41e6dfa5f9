//! The demo's story as data: the steps in order, each with a title, a short
//! explanation and how long autoplay dwells on it.
//!
//! Both front ends read this table: the headless runner prints it, and the
//! TUI's guided tour shows the same words, so the two never drift apart.
//! Texts are static (no numbers): the measured figures are reported next to
//! them by whoever renders the step.

use serde::Serialize;

/// Identifies a step, so front ends can attach their own visuals to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepId {
    /// A private server is running.
    Server,
    /// The sample schema is created and filled.
    Load,
    /// The write workload starts.
    Writes,
    /// The report query, timed on the base table.
    SlowQuery,
    /// The first summary is created online.
    Create,
    /// The second summary (per day and kind, MIN/MAX) is created online.
    SecondSummary,
    /// Writes go on against the maintained summaries.
    KeepWriting,
    /// Original query versus summary.
    Compare,
    /// Writers stop; every group is checked.
    Validate,
    /// The end, with what to try next.
    Done,
}

/// One step of the story.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Which step this is.
    pub id: StepId,
    /// A headline, a few words.
    pub title: &'static str,
    /// One or two sentences saying what happens and why it matters.
    pub explanation: &'static str,
    /// How long autoplay lets the viewer read before the step's work starts, ms.
    pub read_ms: u64,
    /// How long autoplay lingers on the step's result, ms.
    pub linger_ms: u64,
}

/// The steps, in the order the demo plays them.
pub const STORY: &[Step] = &[
    Step {
        id: StepId::Server,
        title: "A private MariaDB server",
        explanation: "The demo runs its own throw-away mariadbd: its own data directory, socket \
                      and port. No other server is touched, and everything is removed at the end.",
        read_ms: 1500,
        linger_ms: 500,
    },
    Step {
        id: StepId::Load,
        title: "An application's data",
        explanation: "Users and their transactions (debits, credits, fees, refunds), skewed like \
                      real data: a few users and the debit kind are hot. MariaDB's SEQUENCE \
                      engine fills it in a few INSERT ... SELECT statements.",
        read_ms: 2000,
        linger_ms: 1000,
    },
    Step {
        id: StepId::Writes,
        title: "The application keeps writing",
        explanation: "Several connections insert, update and delete transactions and move them \
                      between users and kinds, for the rest of the demo, like a live application.",
        read_ms: 2000,
        linger_ms: 1000,
    },
    Step {
        id: StepId::SlowQuery,
        title: "The report query reads everything",
        explanation: "Debits per user: SUM and COUNT over every debit. Without a summary MariaDB \
                      reads the whole table each time the report runs.",
        read_ms: 2000,
        linger_ms: 1500,
    },
    Step {
        id: StepId::Create,
        title: "Create the summary online",
        explanation: "Triggers go in under a brief lock (the writers pause only that long); the \
                      existing rows are then added in small chunks from a consistent snapshot \
                      while the writes go on.",
        read_ms: 2500,
        linger_ms: 1500,
    },
    Step {
        id: StepId::SecondSummary,
        title: "A second summary: per day and kind",
        explanation: "MIN and MAX stay exact too, even when the smallest or largest transaction \
                      of a day is deleted: the summary keeps every value's multiplicity.",
        read_ms: 2000,
        linger_ms: 1000,
    },
    Step {
        id: StepId::KeepWriting,
        title: "Writes go on",
        explanation: "Every insert, update and delete now also updates the summaries, in the \
                      writer's own transaction: if the write commits, so does its change to the \
                      summary; if it rolls back, so does the change.",
        read_ms: 2000,
        linger_ms: 0,
    },
    Step {
        id: StepId::Compare,
        title: "Same answer, a fraction of the time",
        explanation: "The original query and SELECT * FROM the summary, read in one consistent \
                      snapshot while the writers run, then compared row by row.",
        read_ms: 2000,
        linger_ms: 2500,
    },
    Step {
        id: StepId::Validate,
        title: "Validate",
        explanation: "The writers stop. Every group of each summary is recomputed from the base \
                      table and compared: exact means not one group differs.",
        read_ms: 1500,
        linger_ms: 1500,
    },
    Step {
        id: StepId::Done,
        title: "Try it on your own tables",
        explanation: "On your own server: lightning preview shows what a summary of a query \
                      would create, and lightning create builds it online, as just seen.",
        read_ms: 0,
        linger_ms: 4500,
    },
];

/// The step `id` (every id has exactly one step in [`STORY`]).
pub fn step(id: StepId) -> &'static Step {
    // The table is a constant covering every id; the test below checks it,
    // so the fallback to the first step can only mean a missing table entry.
    STORY.iter().find(|s| s.id == id).unwrap_or(&STORY[0])
}

/// The 1-based position of `id` in the story, for "step 3 of 10" labels.
pub fn position(id: StepId) -> usize {
    STORY.iter().position(|s| s.id == id).map_or(0, |i| i + 1)
}

/// Total time autoplay spends reading and lingering, ms (the work itself comes on top).
pub fn autoplay_dwell_ms() -> u64 {
    STORY.iter().map(|s| s.read_ms + s.linger_ms).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [StepId; 10] = [
        StepId::Server,
        StepId::Load,
        StepId::Writes,
        StepId::SlowQuery,
        StepId::Create,
        StepId::SecondSummary,
        StepId::KeepWriting,
        StepId::Compare,
        StepId::Validate,
        StepId::Done,
    ];

    #[test]
    fn every_id_has_exactly_one_step_in_order() {
        assert_eq!(STORY.len(), ALL.len());
        for (i, id) in ALL.iter().enumerate() {
            assert_eq!(STORY.iter().filter(|s| s.id == *id).count(), 1, "{id:?}");
            assert_eq!(step(*id).id, *id);
            assert_eq!(position(*id), i + 1);
        }
    }

    #[test]
    fn texts_are_short_enough_for_a_narrow_terminal() {
        for s in STORY {
            assert!(!s.title.is_empty() && s.title.len() <= 40, "{}", s.title);
            assert!(s.explanation.len() <= 240, "{}", s.explanation);
            assert!(!s.explanation.contains("  "), "{}", s.explanation);
            assert!(s.explanation.ends_with('.'), "{}", s.explanation);
        }
    }

    #[test]
    fn autoplay_dwell_leaves_room_for_the_work_in_a_minute() {
        let dwell = autoplay_dwell_ms();
        assert!((20_000..=45_000).contains(&dwell), "{dwell} ms");
    }
}
