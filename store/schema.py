"""The schema, as numbered migrations: one function per step, never edited once released.

Tables by area:
- signals: `signals`, `quarantine`, `pull_cursors`
- triage: `issues`, `links`, `splits`, `triage_progress`
- runs: `runs`, `run_events`, `images`
- review: `proposals`, `decisions` (m004, rebuilt by m005), `check_tests`
- the night: `nights`, `dispatches` (m005)
- the console: `line_comments`, `decisions.undone_at` (m006)
- triage's one writer and suggestions: `links.candidates`, `issue_ids`, `triage_lease`,
  `triage_requests` (m007), the candidate a confirm chose: `triage_requests.issue_id` (m009)
- features computed at ingest, for triage: `signal_features` (m008)
"""

from __future__ import annotations

import sqlite_utils

from store.migrations import Migrations, run_script

migrations = Migrations("overnight")


@migrations
def m001_signals(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE signals (
            -- Storage order, never reused (AUTOINCREMENT), unchanged by VACUUM: triage works
            -- through signals in this order and records how far it got (`triage_progress`).
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,      -- stable: the source's event id or a content hash
            kind TEXT NOT NULL,           -- error | feedback | regression
            source TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            title TEXT NOT NULL,
            route TEXT,
            envelope TEXT NOT NULL        -- the whole Signal as JSON, raw payload included
        );
        CREATE INDEX signals_received ON signals (received_at);

        -- Rejected input, kept verbatim with the reason, so nothing is lost and it can be fixed.
        CREATE TABLE quarantine (
            id TEXT PRIMARY KEY,          -- hash of origin + bytes: re-ingesting adds no copy
            source TEXT NOT NULL,
            origin TEXT NOT NULL,         -- file:line, or the client address and path
            reason TEXT NOT NULL,
            raw BLOB NOT NULL,
            received_at TEXT NOT NULL
        );

        -- Where a pull source got to, so a restart resumes instead of starting over.
        CREATE TABLE pull_cursors (
            source TEXT NOT NULL,
            scope TEXT NOT NULL,          -- e.g. org/project, or org/project/issue
            cursor TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (source, scope)
        );
        """,
    )


@migrations
def m002_triage(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        -- One row per underlying problem. Counts and lanes are written by triage in the same
        -- transaction that links the signals behind them.
        CREATE TABLE issues (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            kind TEXT NOT NULL,              -- kind of the founding signal
            status TEXT NOT NULL DEFAULT 'open',   -- open | merged | closed
            merged_into INTEGER REFERENCES issues (id),
            lane TEXT NOT NULL DEFAULT 'new',      -- new | needs_confirmation | dispatchable
                                                   -- | held | triage_only
            reasons TEXT NOT NULL DEFAULT '[]',    -- JSON: why held, or why that lane
            routine TEXT,                    -- the routine that decided the lane
            fingerprint TEXT,                -- the founding signal's grouping hash
            fingerprint_basis TEXT,          -- explicit | hybrid | stack | exception | message
            error_type TEXT,
            location TEXT,                   -- normalised route, or the failing test id
            top_frame TEXT,                  -- module:function of the top in-app frame
            flags TEXT,                      -- canonical JSON of the feature flags, or NULL
            release TEXT,
            texts TEXT NOT NULL DEFAULT '[]',     -- JSON: masked texts compared with signals
            description TEXT NOT NULL DEFAULT '',
            scope TEXT NOT NULL DEFAULT '[]',     -- JSON: suspected files and functions
            repro TEXT NOT NULL DEFAULT '[]',     -- JSON: steps to reproduce
            test_id TEXT,
            labels TEXT NOT NULL DEFAULT '[]',
            routes_seen TEXT NOT NULL DEFAULT '[]',
            kinds TEXT NOT NULL DEFAULT '[]',
            sources TEXT NOT NULL DEFAULT '[]',
            signal_count INTEGER NOT NULL DEFAULT 0,
            users_affected INTEGER NOT NULL DEFAULT 0,
            confidence REAL NOT NULL DEFAULT 0,
            severity TEXT NOT NULL DEFAULT 'low',
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX issues_lane ON issues (status, lane);

        -- Every grouping hash seen on an issue's linked signals: the fingerprint index.
        CREATE TABLE issue_fingerprints (
            fingerprint TEXT NOT NULL,
            issue_id INTEGER NOT NULL REFERENCES issues (id),
            PRIMARY KEY (fingerprint, issue_id)
        ) WITHOUT ROWID;

        -- Distinct people behind an issue, so "users affected" never counts anyone twice.
        CREATE TABLE issue_actors (
            issue_id INTEGER NOT NULL REFERENCES issues (id),
            actor TEXT NOT NULL,
            PRIMARY KEY (issue_id, actor)
        ) WITHOUT ROWID;

        -- Why a signal belongs (or might belong, or was taken out of) an issue.
        CREATE TABLE links (
            id INTEGER PRIMARY KEY,
            signal_id TEXT NOT NULL REFERENCES signals (id),
            issue_id INTEGER NOT NULL REFERENCES issues (id),
            state TEXT NOT NULL,             -- linked | proposed | split | moved
            fingerprint_score REAL NOT NULL,
            structure_score REAL NOT NULL,
            text_score REAL NOT NULL,
            rule TEXT NOT NULL,              -- which rule fired, in words
            created_at TEXT NOT NULL,
            decided_at TEXT,                 -- when a person confirmed or split it
            decided_by TEXT
        );
        CREATE INDEX links_issue ON links (issue_id, state);
        -- A signal is counted in exactly one issue; this index also finds a signal's home.
        CREATE UNIQUE INDEX links_home ON links (signal_id) WHERE state = 'linked';
        -- A signal's other links (proposed, split, moved): a few, so a small index. Signal ids
        -- are hashes, so every index on them takes writes all over: one full index is enough.
        CREATE INDEX links_signal_other ON links (signal_id) WHERE state != 'linked';

        -- How far triage has got: every signal with `seq` up to `last_seq` is triaged. Written
        -- in the transaction of each batch's links and counts, so the two never disagree; one
        -- row instead of a mark on every signal row (each ~2 KB, rewritten for a timestamp).
        CREATE TABLE triage_progress (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            last_seq INTEGER NOT NULL
        );
        INSERT INTO triage_progress (id, last_seq) VALUES (1, 0);

        -- A person's decision that two issues are different problems; never merged again.
        CREATE TABLE splits (
            id INTEGER PRIMARY KEY,
            issue_id INTEGER NOT NULL REFERENCES issues (id),        -- the issue split from
            other_issue_id INTEGER NOT NULL REFERENCES issues (id),  -- the one split off
            signal_id TEXT REFERENCES signals (id),
            fingerprint TEXT,                -- the split signal's hash: later ones follow it
            created_at TEXT NOT NULL,
            decided_by TEXT
        );
        CREATE INDEX splits_issue ON splits (issue_id);
        CREATE INDEX splits_other ON splits (other_issue_id);
        """,
    )


@migrations
def m003_runs(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        -- One container run: what it ran in, against what, under which limits, and how it ended.
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            issue_id INTEGER,             -- issues.id the run works on; NULL for ad-hoc runs
            rerun_of TEXT,                -- the run this one re-executes (`replay --rerun`)
            repository TEXT NOT NULL,     -- the target repository's path or URL
            commit_sha TEXT NOT NULL,
            image_id TEXT NOT NULL,       -- the image's config digest, not a tag
            image_tag TEXT,
            connection TEXT NOT NULL,     -- name and URI of the Podman service
            env TEXT NOT NULL,            -- JSON name -> value, secret values redacted
            limits TEXT NOT NULL,         -- JSON: what was asked for and what was in force
            checkout TEXT NOT NULL,       -- JSON: method, depth, whether later commits were visible
            spec TEXT NOT NULL,           -- JSON: the container create spec, for the record
            host TEXT NOT NULL,           -- JSON: podman, runtime and kernel versions
            container_id TEXT,
            owner TEXT NOT NULL,          -- host:pid:start-time of the runner process
            status TEXT NOT NULL,         -- running | ok | failed | timeout | interrupted
            reason TEXT,
            started_at TEXT NOT NULL,
            ended_at TEXT
        );
        CREATE INDEX runs_issue ON runs (issue_id);
        CREATE INDEX runs_status ON runs (status);

        -- Every step of a run, written as it happens: a crash leaves the transcript so far.
        CREATE TABLE run_events (
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL,           -- setup | exec | model_request | model_reply
            command TEXT,                 -- JSON argv
            stdout TEXT,
            stderr TEXT,
            exit_code INTEGER,
            duration_s REAL,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            data TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY (run_id, seq)
        );

        -- Images runs were started from; kept while a run that used them is on record.
        CREATE TABLE images (
            id TEXT PRIMARY KEY,
            tag TEXT NOT NULL,
            kind TEXT NOT NULL,           -- base | deps
            key TEXT,                     -- recipe hash (base) or dependency-files hash (deps)
            parent_id TEXT,
            rootfs_sha256 TEXT,
            recipe TEXT,
            build_seconds REAL,
            recorded_at TEXT NOT NULL
        );
        """,
    )


@migrations
def m004_review(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        -- A fix proposal: a local branch in the target repository, with its evidence.
        CREATE TABLE proposals (
            id INTEGER PRIMARY KEY,
            issue_id INTEGER NOT NULL REFERENCES issues (id),
            run_id TEXT REFERENCES runs (id),
            repository TEXT NOT NULL,
            branch TEXT NOT NULL,         -- the local branch holding the fix
            base_commit TEXT NOT NULL,    -- the commit the run started from
            diff TEXT NOT NULL,
            files TEXT NOT NULL,          -- JSON list of the files the diff touches
            reasoning TEXT NOT NULL,      -- the agent's account of cause and fix
            repro_command TEXT,           -- fails before the fix, passes after
            repro_before INTEGER,         -- its exit code before the fix
            repro_after INTEGER,          -- and after
            status TEXT NOT NULL,         -- open | merged | redirected | closed | flagged
            flag TEXT,                    -- why it stopped: cannot reproduce, out of scope, ...
            created_at TEXT NOT NULL
        );
        CREATE INDEX proposals_issue ON proposals (issue_id);
        CREATE INDEX proposals_status ON proposals (status);

        -- Every review decision, kept: the wrong-tree rate is computed from these.
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            proposal_id INTEGER REFERENCES proposals (id),
            issue_id INTEGER NOT NULL REFERENCES issues (id),
            action TEXT NOT NULL,         -- merge | redirect | close
            reason TEXT,                  -- for close: why (e.g. wrong tree)
            context TEXT,                 -- for redirect: what the agent should know
            decided_by TEXT,
            decided_at TEXT NOT NULL
        );
        CREATE INDEX decisions_issue ON decisions (issue_id);
        """,
    )


@migrations
def m005_night(db: sqlite_utils.Database) -> None:
    # m004's proposals and decisions were never written by any release (no agent existed), so
    # they are rebuilt in the shape the night needs rather than patched column by column.
    run_script(
        db,
        """
        DROP TABLE decisions;
        DROP TABLE proposals;

        -- One night of work: when, under which budget, and the funnel it ended with.
        CREATE TABLE nights (
            id INTEGER PRIMARY KEY,
            owner TEXT NOT NULL,          -- host:pid:start-time of the runner process
            status TEXT NOT NULL,         -- running | done | interrupted | failed
            budget_usd REAL,              -- the night's model budget; NULL for none
            spent_usd REAL NOT NULL DEFAULT 0,
            funnel TEXT NOT NULL DEFAULT '{}',   -- JSON: signals, issues, dispatched, outcomes
            reason TEXT,                  -- why it ended the way it did (budget spent, ...)
            started_at TEXT NOT NULL,
            ended_at TEXT
        );

        -- A request that an agent work on an issue: made by the night, by a person (dispatch,
        -- redirect, dispatch-anyway) or by recovery after a crash (resume). Claimed atomically,
        -- so an issue is never worked on twice at once.
        CREATE TABLE dispatches (
            id INTEGER PRIMARY KEY,
            issue_id INTEGER NOT NULL REFERENCES issues (id),
            night_id INTEGER REFERENCES nights (id),
            state TEXT NOT NULL,          -- queued | running | done | interrupted | cancelled
            why TEXT NOT NULL,            -- night | manual | redirect | resume | held_override
            context TEXT,                 -- a reviewer's words for the agent
            from_run TEXT REFERENCES runs (id),  -- the earlier run this one continues
            at_step INTEGER,              -- replay the earlier run up to this event first
            run_id TEXT REFERENCES runs (id),    -- the agent run this dispatch started
            requested_by TEXT,
            reason TEXT,                  -- how it ended, in words
            created_at TEXT NOT NULL,
            started_at TEXT,
            ended_at TEXT
        );
        CREATE INDEX dispatches_state ON dispatches (state);
        CREATE INDEX dispatches_issue ON dispatches (issue_id);
        CREATE UNIQUE INDEX dispatches_live ON dispatches (issue_id)
            WHERE state IN ('queued', 'running');

        ALTER TABLE runs ADD COLUMN purpose TEXT NOT NULL DEFAULT 'adhoc';
            -- agent | check_before | check_after | replay | adhoc
        ALTER TABLE runs ADD COLUMN proposal_id INTEGER;   -- the proposal a check run checks
        ALTER TABLE runs ADD COLUMN dispatch_id INTEGER;   -- the dispatch an agent run serves
        CREATE INDEX runs_proposal ON runs (proposal_id);

        -- What one agent run came to: a proposal (verified or not) or the reason there is none.
        CREATE TABLE proposals (
            id INTEGER PRIMARY KEY,
            issue_id INTEGER NOT NULL REFERENCES issues (id),
            run_id TEXT NOT NULL UNIQUE REFERENCES runs (id),
            dispatch_id INTEGER REFERENCES dispatches (id),
            night_id INTEGER REFERENCES nights (id),
            outcome TEXT NOT NULL,        -- proposed | unverified | not_reproduced
                                          -- | out_of_scope | gave_up | failed | interrupted
            reason TEXT NOT NULL DEFAULT '',     -- the outcome in words
            profile TEXT,
            model TEXT,
            repository TEXT NOT NULL,
            base_commit TEXT NOT NULL,
            branch TEXT,                  -- overnight/<issue>-<run>, for every submitted diff
            head_commit TEXT,
            diff TEXT NOT NULL DEFAULT '',
            files TEXT NOT NULL DEFAULT '[]',    -- JSON: files the diff touches
            added INTEGER NOT NULL DEFAULT 0,
            removed INTEGER NOT NULL DEFAULT 0,
            scope TEXT NOT NULL DEFAULT '[]',    -- JSON: files the agent declared in scope
            reasoning TEXT NOT NULL DEFAULT '',  -- the agent's markdown
            repro_command TEXT,
            repro_before INTEGER,         -- exit code on the original commit (must fail)
            repro_after INTEGER,          -- exit code on the patched tree (must pass)
            tests_fixed TEXT NOT NULL DEFAULT '[]',   -- JSON: tests the fix turned green
            new_failures TEXT NOT NULL DEFAULT '[]',  -- JSON: tests that passed before, not after
            check_summary TEXT,           -- the runner's check in words
            verified INTEGER NOT NULL DEFAULT 0,      -- 1 only when the runner's check passed
            steps INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            input_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            cache_read_tokens INTEGER NOT NULL DEFAULT 0,
            cache_write_tokens INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'open',      -- open | merged | redirected | closed
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX proposals_issue ON proposals (issue_id);
        CREATE INDEX proposals_status ON proposals (status, outcome);

        -- The runner's check, test by test, before and after the fix (from JUnit XML).
        CREATE TABLE check_tests (
            proposal_id INTEGER NOT NULL REFERENCES proposals (id),
            phase TEXT NOT NULL,          -- before | after
            test_id TEXT NOT NULL,
            outcome TEXT NOT NULL,        -- passed | failed | error | skipped
            duration_s REAL,
            message TEXT,
            PRIMARY KEY (proposal_id, phase, test_id)
        ) WITHOUT ROWID;

        -- Every review decision, kept: the stats and the wrong-tree rate come from these.
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            proposal_id INTEGER REFERENCES proposals (id),
            issue_id INTEGER NOT NULL REFERENCES issues (id),
            action TEXT NOT NULL,         -- merge | redirect | close
            reason TEXT,                  -- for close: why (wrong tree, won't fix, duplicate of)
            context TEXT,                 -- for redirect: what the agent should know
            detail TEXT NOT NULL DEFAULT '{}',   -- JSON: merge commit and previous tip, ...
            decided_by TEXT,
            decided_at TEXT NOT NULL
        );
        CREATE INDEX decisions_issue ON decisions (issue_id);
        """,
    )


@migrations
def m006_console(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        -- A reviewer's note on one line of a proposal's diff, as on a pull request. Notes
        -- accumulate on the proposal and become the context of its next redirect.
        CREATE TABLE line_comments (
            id INTEGER PRIMARY KEY,
            proposal_id INTEGER NOT NULL REFERENCES proposals (id),
            file TEXT NOT NULL,
            line INTEGER NOT NULL,        -- the line's number on its side of the diff
            side TEXT NOT NULL DEFAULT 'new',  -- new (after the change) | old (a removed line)
            line_text TEXT NOT NULL,      -- the line itself, kept in case the file moves on
            body TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX line_comments_proposal ON line_comments (proposal_id);

        -- A decision taken back with `u`: kept (the stats count it as undone, not forgotten).
        ALTER TABLE decisions ADD COLUMN undone_at TEXT;
        CREATE INDEX decisions_decided ON decisions (decided_at);
        """,
    )


@migrations
def m007_link_candidates(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        -- A proposed link's best candidates, ranked: JSON [[issue_id, score], ...] (at most
        -- three), so a person confirms one with a key. NULL when triage had none to offer.
        ALTER TABLE links ADD COLUMN candidates TEXT;

        -- Issue ids come from this sequence, never MAX(id) + 1: a triage run reserves a block
        -- at its start, a person's split one id, and no two ever take the same.
        CREATE TABLE issue_ids (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            next INTEGER NOT NULL
        );
        INSERT INTO issue_ids (id, next) SELECT 1, COALESCE(MAX(id), 0) + 1 FROM issues;

        -- Who may change issue state now: a running triage, or a person applying a decision.
        -- One row at most; a holder whose process is gone (same host) has lost it.
        CREATE TABLE triage_lease (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            holder TEXT NOT NULL,         -- triage | person
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            token TEXT NOT NULL,
            taken_at TEXT NOT NULL
        );

        -- A person's decision on a link while a triage runs: triage applies it between
        -- batches, so one writer changes issue state, and answers here.
        CREATE TABLE triage_requests (
            id INTEGER PRIMARY KEY,
            action TEXT NOT NULL,         -- confirm | split
            link_id INTEGER NOT NULL,
            decided_by TEXT,
            requested_at TEXT NOT NULL,
            applied_at TEXT,
            result INTEGER,               -- the issue the decision left the signal in
            touched TEXT,                 -- JSON: the issues it changed
            error TEXT                    -- why it could not be applied
        );
        CREATE INDEX triage_requests_pending ON triage_requests (id) WHERE applied_at IS NULL;
        """,
    )


@migrations
def m008_signal_features(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        -- What triage compares about a signal, computed once by ingest where it parses the
        -- signal: triage reads these narrow rows in storage order instead of every envelope.
        -- A row of another version (older code) is ignored, as a missing one is: triage then
        -- computes the features from the envelope.
        CREATE TABLE signal_features (
            seq INTEGER PRIMARY KEY REFERENCES signals (seq),
            signal_id TEXT NOT NULL,
            version TEXT NOT NULL,        -- of the code that computed it
            data TEXT NOT NULL            -- JSON, as `runner.triage.features.encode` writes it
        );
        """,
    )


@migrations
def m009_request_into(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        -- A confirm may name which of the link's candidates the signal's issue joins.
        ALTER TABLE triage_requests ADD COLUMN issue_id INTEGER;
        """,
    )
