using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Prescient.Core.Calendar;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Storage;

/// <summary>
/// Writes many hosts' samples in as few entity-group transactions as their partitions allow (docs/adr/0003). In
/// rounds: each host with samples left gets its rows (from the cache, else read), computes its next step (usually
/// all its samples: its head row and, when the samples reach older days, their bucket rows), and the steps of a
/// partition are packed into transactions of up to 100 rows. Every row is written conditionally (its ETag, or an add),
/// so a transaction commits only if no other writer changed any of its rows; one that lost a race is redone from
/// fresh reads. A host's rows always change in one transaction with its head, which holds its sequence ledger: a
/// sample is counted in its window and the ledger together or not at all.
/// </summary>
internal sealed class WindowWriter(TableClient table, WindowStoreContext context, SeriesRowCache cache, LegacyWindows legacy)
{
    private const int MaxActionsPerTransaction = 100;
    private const int ReadParallelism = 16;

    /// <summary>Heads of one partition to read before a range query over all its heads is the cheaper read.</summary>
    private const int HeadsBeforeRangeRead = 48;

    public Func<CancellationToken, Task>? AfterRead { get; set; }

    public Func<int, CancellationToken, Task>? AfterTransaction { get; set; }

    public int MaxTransactionChars { get; set; } = 3_500_000;

    public async Task<Dictionary<string, HostWork>> ApplyAsync(IReadOnlyDictionary<string, IReadOnlyList<TelemetrySample>> byHost, CancellationToken cancellationToken)
    {
        var legacyRows = await context.Layout.CheckAsync(table, cancellationToken);
        var works = byHost.ToDictionary(h => h.Key, h => new HostWork(h.Key, context.Partition(h.Key), h.Value, context.Calendar), StringComparer.Ordinal);
        var transactionIndex = 0;
        for (var round = 1; ; round++)
        {
            var active = works.Values.Where(w => w.Pending.Count > 0).ToList();
            if (active.Count == 0)
            {
                break;
            }

            await LoadHeadsAsync(active, legacyRows, cancellationToken);
            var steps = new List<(HostWork Work, HostStep Step)>();
            var missing = new HashSet<(string Partition, string RowKey)>();
            foreach (var work in active)
            {
                var head = DecodeHead(work);
                foreach (var start in HostStep.RequiredBuckets(head, work.Pending, context.Layout))
                {
                    var key = SeriesLayout.BucketKey(work.HostId, start);
                    work.Touched.Add(key);
                    if (!cache.TryGet(work.Partition, key, out _))
                    {
                        missing.Add((work.Partition, key));
                    }
                }
            }

            await ReadRowsAsync(missing, cancellationToken);
            if (AfterRead is { } afterRead)
            {
                await afterRead(cancellationToken);
            }

            foreach (var work in active)
            {
                var step = Compute(work);
                if (step.Writes.Count > 0)
                {
                    steps.Add((work, step));
                }
                else if (!work.Verified && step.Refused.Count > 0)
                {
                    // Refusals judged on cached rows are checked against fresh ones (a window's runs of sequences can
                    // merge as gaps fill); everything else a cached row says only grows, so it holds in storage too.
                    work.Evict(cache);
                    work.Verified = true;
                }
                else
                {
                    work.Commit(step);
                }
            }

            var conflicted = await SubmitAsync(steps, () => Interlocked.Increment(ref transactionIndex) - 1, cancellationToken);
            if (conflicted.Count > 0)
            {
                foreach (var work in conflicted)
                {
                    if (++work.Conflicts >= context.Options.MaxConflictRetries)
                    {
                        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                            $"Windows of host '{work.HostId}' kept changing under {work.Conflicts} attempts; giving up (the batch will be redelivered)."));
                    }
                }

                // Back off a little, with jitter, so that racing writers do not collide again in lockstep.
                var attempt = conflicted.Max(w => w.Conflicts);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * Math.Min(attempt, 10))), cancellationToken);
            }
        }

        return works;
    }

    private HostStep Compute(HostWork work)
    {
        for (var take = work.Pending.Count; ; take = (take + 1) / 2)
        {
            var periods = work.Pending.Take(take).ToList();
            var head = DecodeHead(work);
            var buckets = new Dictionary<DateOnly, BucketRow>();
            foreach (var start in HostStep.RequiredBuckets(head, periods, context.Layout))
            {
                if (cache.TryGet(work.Partition, SeriesLayout.BucketKey(work.HostId, start), out var entity) && entity is not null)
                {
                    buckets[start] = SeriesRows.ReadBucket(entity, work.HostId, context.Calendar);
                }
            }

            var step = HostStep.Compute(head, buckets, periods, work.AcceptedHere, forceHeadWrite: false, context);
            if (step.Chars <= MaxTransactionChars || take == 1)
            {
                work.Take = take;
                return step;
            }
        }
    }

    private HeadRow DecodeHead(HostWork work) =>
        cache.TryGet(work.Partition, SeriesLayout.HeadKey(work.HostId), out var entity) && entity is not null
            ? SeriesRows.ReadHead(entity, context.Calendar)
            : new HeadRow { HostId = work.HostId };

    /// <summary>Submits the steps packed per partition; returns the hosts whose rows changed under them (to redo).</summary>
    private async Task<List<HostWork>> SubmitAsync(List<(HostWork Work, HostStep Step)> steps, Func<int> nextIndex, CancellationToken cancellationToken)
    {
        var transactions = new List<List<(HostWork Work, HostStep Step)>>();
        foreach (var partition in steps.GroupBy(s => s.Work.Partition))
        {
            List<(HostWork, HostStep)> current = [];
            int actions = 0, chars = 0;
            foreach (var item in partition)
            {
                if (current.Count > 0 && (actions + item.Step.Writes.Count > MaxActionsPerTransaction || chars + item.Step.Chars > MaxTransactionChars))
                {
                    transactions.Add(current);
                    current = [];
                    actions = chars = 0;
                }

                current.Add(item);
                actions += item.Step.Writes.Count;
                chars += item.Step.Chars;
            }

            transactions.Add(current);
        }

        var conflicted = new List<HostWork>();
        await Parallel.ForEachAsync(
            transactions,
            new ParallelOptions { MaxDegreeOfParallelism = context.Options.WriteParallelism, CancellationToken = cancellationToken },
            async (transaction, ct) =>
            {
                var actions = transaction.SelectMany(t => t.Step.Writes.Select(w => w.Action)).ToList();
                Response<IReadOnlyList<Response>> response;
                try
                {
                    response = await table.SubmitTransactionAsync(actions, ct);
                }
                catch (RequestFailedException exception) when (exception.Status is 409 or 412)
                {
                    var failed = (exception as TableTransactionFailedException)?.FailedTransactionActionIndex;
                    var losers = failed is { } index && index >= 0 && index < actions.Count
                        ? [transaction[OwnerOf(transaction, index)].Work]
                        : transaction.Select(t => t.Work).ToList();
                    foreach (var loser in losers)
                    {
                        loser.Evict(cache);
                    }

                    lock (conflicted)
                    {
                        conflicted.AddRange(losers);
                    }

                    return;
                }

                var at = 0;
                foreach (var (work, step) in transaction)
                {
                    foreach (var (entity, _) in step.Writes)
                    {
                        var etag = response.Value.Count == actions.Count ? response.Value[at].Headers.ETag : null;
                        if (etag is { } e)
                        {
                            entity.ETag = e;
                            cache.Set(entity.PartitionKey, entity.RowKey, entity);
                        }
                        else
                        {
                            cache.Remove(entity.PartitionKey, entity.RowKey);
                        }

                        at++;
                    }

                    work.Commit(step);
                }

                if (AfterTransaction is { } afterTransaction)
                {
                    await afterTransaction(nextIndex(), ct);
                }
            });
        return conflicted;
    }

    private static int OwnerOf(List<(HostWork Work, HostStep Step)> transaction, int actionIndex)
    {
        for (var i = 0; i < transaction.Count; i++)
        {
            actionIndex -= transaction[i].Step.Writes.Count;
            if (actionIndex < 0)
            {
                return i;
            }
        }

        return transaction.Count - 1;
    }

    /// <summary>Makes sure every active host's head is known (cached, or read; absent heads are migrated from the earlier layout).</summary>
    private async Task LoadHeadsAsync(List<HostWork> active, bool legacyRows, CancellationToken cancellationToken)
    {
        var unknown = active.Where(w => !cache.TryGet(w.Partition, SeriesLayout.HeadKey(w.HostId), out _)).ToList();
        var pointReads = new List<HostWork>();
        foreach (var partition in unknown.GroupBy(w => w.Partition))
        {
            if (partition.Count() < HeadsBeforeRangeRead)
            {
                pointReads.AddRange(partition);
                continue;
            }

            // Many heads of one partition: one range query over all its heads, and those not returned are absent.
            var found = new HashSet<string>(StringComparer.Ordinal);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition.Key} and RowKey ge {SeriesLayout.HeadPrefix} and RowKey lt {"h}"}");
            await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken))
            {
                cache.Set(row.PartitionKey, row.RowKey, row);
                found.Add(row.RowKey);
            }

            foreach (var work in partition.Where(w => !found.Contains(SeriesLayout.HeadKey(w.HostId))))
            {
                cache.Set(work.Partition, SeriesLayout.HeadKey(work.HostId), null);
            }
        }

        await ReadRowsAsync(pointReads.Select(w => (w.Partition, SeriesLayout.HeadKey(w.HostId))).ToHashSet(), cancellationToken);
        if (!legacyRows)
        {
            return;
        }

        foreach (var work in unknown)
        {
            if (cache.TryGet(work.Partition, SeriesLayout.HeadKey(work.HostId), out var head) && head is null &&
                await legacy.MigrateAsync(work.HostId, work.Partition, context, cancellationToken) is { } migrated)
            {
                cache.Set(migrated.PartitionKey, migrated.RowKey, migrated);
            }
            else if (head is null)
            {
                // Migrated by another writer meanwhile, or nothing to migrate: read again next time it matters.
                cache.Remove(work.Partition, SeriesLayout.HeadKey(work.HostId));
                await ReadRowsAsync([(work.Partition, SeriesLayout.HeadKey(work.HostId))], cancellationToken);
            }
        }
    }

    private async Task ReadRowsAsync(IReadOnlyCollection<(string Partition, string RowKey)> keys, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(
            keys,
            new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = cancellationToken },
            async (key, ct) =>
            {
                var response = await table.GetEntityIfExistsAsync<TableEntity>(key.Partition, key.RowKey, cancellationToken: ct);
                cache.Set(key.Partition, key.RowKey, response.HasValue ? response.Value : null);
            });
    }
}
