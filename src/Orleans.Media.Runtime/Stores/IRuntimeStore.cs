using Orleans.Media.Runtime.Core;

namespace Orleans.Media.Runtime.Stores;

/// <summary>Everything the runtime asks of its relational store. Two implementations: PostgreSQL and SQLite.</summary>
internal interface IRuntimeStore : IAsyncDisposable
{
    StoreKind Kind { get; }

    /// <summary>Pulsed when events may have been appended (NOTIFY on PostgreSQL, local commits on SQLite).</summary>
    AsyncSignal EventsAppended { get; }

    /// <summary>Pulsed when jobs may have been scheduled.</summary>
    AsyncSignal JobsScheduled { get; }

    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Simulated kill -9: every later call throws, pools are closed.</summary>
    void Kill();

    /// <summary>Deadlock, serialization failure, busy database, concurrent first insert: retry the whole turn.</summary>
    bool IsRetryable(Exception exception);

    Task<ITurnTransaction> BeginTurnAsync(CancellationToken cancellationToken);

    /// <summary>Snapshot read without lock (read-only calls).</summary>
    Task<GrainRecord?> ReadGrainAsync(GrainId grainId, long cachedVersion, CancellationToken cancellationToken);

    Task<IReadOnlyList<ClaimedJob>> ClaimJobsAsync(string owner, int max, int maxPerPartition, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Renews the leases this owner still holds; returns the renewed ids. Synchronous: called from the
    /// silo's dedicated control thread, so a saturated thread pool cannot delay it.</summary>
    IReadOnlySet<Guid> RenewJobLeases(string owner, IReadOnlyCollection<Guid> jobIds, TimeSpan lease);

    Task<bool> SaveJobCheckpointAsync(Guid jobId, string owner, string checkpoint, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Back to queued after <paramref name="delay"/>, keeping the checkpoint. With a pending outcome the next
    /// claim only delivers it. <paramref name="refundAttempt"/>: a hand-back, not a failure.</summary>
    Task<bool> RequeueJobAsync(Guid jobId, string owner, TimeSpan delay, string? error, JobOutcomeRecord? pendingOutcome, bool refundAttempt, CancellationToken cancellationToken);

    /// <summary>Finishes a job whose grain takes no outcome turn.</summary>
    Task<bool> FinishJobAsync(Guid jobId, string owner, JobOutcomeRecord outcome, CancellationToken cancellationToken);

    Task<JobRecord?> GetJobAsync(Guid jobId, CancellationToken cancellationToken);

    Task<IReadOnlyList<ClaimedReminder>> ClaimRemindersAsync(string owner, int max, TimeSpan lease, CancellationToken cancellationToken);

    Task ReminderFailedAsync(ClaimedReminder reminder, string owner, TimeSpan delay, CancellationToken cancellationToken);

    /// <summary>Graceful stop: hands back running jobs (due now, checkpoint kept) and reminder leases.</summary>
    Task ReleaseLeasesAsync(string owner, CancellationToken cancellationToken);

    Task<IReadOnlyList<StreamEvent>> ReadEventsAsync(long afterPosition, StreamFilter filter, int max, CancellationToken cancellationToken);

    Task<long> GetLastEventPositionAsync(CancellationToken cancellationToken);

    /// <summary>The highest committed position, as a hint only (no ordering guarantee; no lock): for wake-ups.</summary>
    Task<long> PeekLastEventPositionAsync(CancellationToken cancellationToken);

    Task<long> GetCursorAsync(string consumer, CancellationToken cancellationToken);

    Task SaveCursorAsync(string consumer, long position, CancellationToken cancellationToken);

    Task RegisterSiloAsync(SiloInfo silo, CancellationToken cancellationToken);

    /// <summary>Writes the heartbeat and status, marks long-silent others Dead. Throws if the store is unreachable.</summary>
    Task HeartbeatAsync(string siloId, SiloStatus status, TimeSpan deadAfter, CancellationToken cancellationToken);

    /// <summary>Synchronous heartbeat for the dedicated control thread.</summary>
    void Heartbeat(string siloId, SiloStatus status, TimeSpan deadAfter);

    Task<IReadOnlyList<SiloInfo>> GetSilosAsync(CancellationToken cancellationToken);

    Task<bool> TryRegisterNonceAsync(string scope, string nonce, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    Task<int> PurgeExpiredAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<StateRow>> QueryStatesAsync(GrainStateQuery query, CancellationToken cancellationToken);

    /// <summary>Whether a page token's sort value is one this store's sort expression prints for <paramref name="kind"/>.</summary>
    bool IsSortValue(string? value, StateValueKind kind);

    Task<long> CountStatesAsync(GrainStateQuery query, CancellationToken cancellationToken);
}

internal sealed record StateRow(string Key, string? Partition, long Version, string StateJson, string? SortValue);
