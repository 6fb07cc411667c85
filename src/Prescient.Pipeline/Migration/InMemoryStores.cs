namespace Prescient.Pipeline.Migration;

/// <summary>Lease store with the table store's semantics, in memory (fast tests, dry runs). Thread-safe.</summary>
public sealed class InMemoryVmLeaseStore(TimeProvider clock) : IVmLeaseStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, VmLease> _leases = new(StringComparer.Ordinal);

    public Task<LeaseAcquisition> AcquireAllAsync(IReadOnlyList<string> vmIds, string owner, TimeSpan holdFor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vmIds);
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            foreach (var vmId in vmIds)
            {
                if (_leases.TryGetValue(vmId, out var lease) && lease.Owner != owner && lease.ExpiresAt > now)
                {
                    return Task.FromResult(new LeaseAcquisition(false, lease.Owner, vmId));
                }
            }

            foreach (var vmId in vmIds)
            {
                // Ours already: renewed from now, keeping when it was first taken.
                var acquiredAt = _leases.TryGetValue(vmId, out var lease) && lease.Owner == owner ? lease.AcquiredAt : now;
                _leases[vmId] = new VmLease(vmId, owner, acquiredAt, now + holdFor);
            }

            return Task.FromResult(LeaseAcquisition.Success);
        }
    }

    public Task ReleaseAllAsync(IEnumerable<string> vmIds, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vmIds);
        lock (_gate)
        {
            foreach (var vmId in vmIds)
            {
                if (_leases.TryGetValue(vmId, out var lease) && lease.Owner == owner)
                {
                    _leases.Remove(vmId);
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<VmLease>> GetHeldAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            return Task.FromResult<IReadOnlyList<VmLease>>(_leases.Values.Where(l => l.ExpiresAt > now).ToList());
        }
    }

    public Task<IReadOnlyList<VmLease>> ListAllAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<VmLease>>(_leases.Values.ToList());
        }
    }
}

/// <summary>Migrations table in memory (fast tests, dry runs). Thread-safe.</summary>
public sealed class InMemoryMigrationRecordStore : IMigrationRecordStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, MigrationRecord> _records = new(StringComparer.Ordinal);

    public Task UpsertAsync(MigrationRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            _records[record.MigrationId] = record;
        }

        return Task.CompletedTask;
    }

    public Task<MigrationRecord?> GetAsync(string migrationId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_records.GetValueOrDefault(migrationId));
        }
    }

    public Task<IReadOnlyList<MigrationRecord>> ListAsync(int max = 500, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<MigrationRecord>>(_records.Values.OrderByDescending(r => r.StartedAt).Take(max).ToList());
        }
    }

    public Task<bool> TryNoteRunningAsync(string migrationId, string note, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_records.TryGetValue(migrationId, out var record) || record.Result != MigrationResult.Running)
            {
                return Task.FromResult(false);
            }

            _records[migrationId] = record with { Outcome = note };
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<MigrationRecord>> ListRunningAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<MigrationRecord>>(_records.Values.Where(r => r.Result == MigrationResult.Running).ToList());
        }
    }
}
