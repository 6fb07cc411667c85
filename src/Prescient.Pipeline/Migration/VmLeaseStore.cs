using System.Net;
using Azure;
using Azure.Data.Tables;

namespace Prescient.Pipeline.Migration;

/// <summary>A VM's lease: the migration that holds it and until when.</summary>
public sealed record VmLease(string VmId, string Owner, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt);

public sealed record LeaseAcquisition(bool Acquired, string? HeldBy, string? VmId)
{
    public static readonly LeaseAcquisition Success = new(true, null, null);
}

/// <summary>
/// The atomic lock on the pipeline side: one row per VM in an Azure Table, taken and released with ETag-conditional
/// writes, so two migrations never hold the same VM. The evaluator reads it to skip busy VMs. A lease held past its
/// expiry (a crashed caller) can be taken over. Taking and releasing are idempotent per owner; taking a lease its
/// owner already holds renews it (from now, for the given duration). Expiry is on the pipeline's clock.
/// </summary>
public interface IVmLeaseStore
{
    /// <summary>Takes every VM's lease for <paramref name="owner"/>, or none if one is held by another owner.</summary>
    Task<LeaseAcquisition> AcquireAllAsync(IReadOnlyList<string> vmIds, string owner, TimeSpan holdFor, CancellationToken cancellationToken = default);

    /// <summary>Releases the leases <paramref name="owner"/> holds; leases of other owners are left alone.</summary>
    Task ReleaseAllAsync(IEnumerable<string> vmIds, string owner, CancellationToken cancellationToken = default);

    /// <summary>Leases currently held (not expired).</summary>
    Task<IReadOnlyList<VmLease>> GetHeldAsync(CancellationToken cancellationToken = default);

    /// <summary>Every lease row, expired or not (reconciliation at start).</summary>
    Task<IReadOnlyList<VmLease>> ListAllAsync(CancellationToken cancellationToken = default);
}

public sealed class VmLeaseStore(TableServiceClient tables, TimeProvider clock, string tableName = VmLeaseStore.DefaultTableName) : IVmLeaseStore
{
    public const string DefaultTableName = "VmLeases";
    private const string Partition = "vm";
    private readonly TableClient _table = tables.GetTableClient(tableName);
    private int _created;

    public async Task EnsureTableAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _created) == 0)
        {
            await _table.CreateIfNotExistsAsync(cancellationToken);
            Volatile.Write(ref _created, 1);
        }
    }

    /// <summary>Takes every VM's lease for <paramref name="owner"/>, or none (releasing what it took) if one is held by another owner.</summary>
    public async Task<LeaseAcquisition> AcquireAllAsync(IReadOnlyList<string> vmIds, string owner, TimeSpan holdFor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vmIds);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        await EnsureTableAsync(cancellationToken);
        var taken = new List<string>();
        foreach (var vmId in vmIds.Distinct(StringComparer.Ordinal))
        {
            var heldBy = await TryAcquireAsync(vmId, owner, holdFor, cancellationToken);
            if (heldBy is not null)
            {
                await ReleaseAllAsync(taken, owner, cancellationToken);
                return new LeaseAcquisition(false, heldBy, vmId);
            }

            taken.Add(vmId);
        }

        return LeaseAcquisition.Success;
    }

    /// <summary>Releases the leases <paramref name="owner"/> holds; leases of other owners are left alone.</summary>
    public async Task ReleaseAllAsync(IEnumerable<string> vmIds, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vmIds);
        await EnsureTableAsync(cancellationToken);
        foreach (var vmId in vmIds.Distinct(StringComparer.Ordinal))
        {
            var existing = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, vmId, cancellationToken: cancellationToken);
            if (!existing.HasValue || existing.Value!.GetString("Owner") != owner)
            {
                continue;
            }

            try
            {
                await _table.DeleteEntityAsync(Partition, vmId, existing.Value.ETag, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.NotFound or (int)HttpStatusCode.PreconditionFailed)
            {
                // Gone already, or taken over after expiry by another owner: nothing of ours to release.
            }
        }
    }

    /// <summary>Leases currently held (not expired).</summary>
    public async Task<IReadOnlyList<VmLease>> GetHeldAsync(CancellationToken cancellationToken = default)
    {
        await EnsureTableAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var held = new List<VmLease>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            var lease = ToLease(entity);
            if (lease.ExpiresAt > now)
            {
                held.Add(lease);
            }
        }

        return held;
    }

    /// <summary>Every lease row, expired or not.</summary>
    public async Task<IReadOnlyList<VmLease>> ListAllAsync(CancellationToken cancellationToken = default)
    {
        await EnsureTableAsync(cancellationToken);
        var all = new List<VmLease>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            all.Add(ToLease(entity));
        }

        return all;
    }

    public async Task<VmLease?> GetAsync(string vmId, CancellationToken cancellationToken = default)
    {
        await EnsureTableAsync(cancellationToken);
        var existing = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, vmId, cancellationToken: cancellationToken);
        return existing.HasValue ? ToLease(existing.Value!) : null;
    }

    /// <returns>null when acquired (or already ours); otherwise the current owner.</returns>
    private async Task<string?> TryAcquireAsync(string vmId, string owner, TimeSpan holdFor, CancellationToken cancellationToken)
    {
        while (true)
        {
            var now = clock.GetUtcNow();
            var entity = new TableEntity(Partition, vmId)
            {
                ["Owner"] = owner,
                ["AcquiredAt"] = now,
                ["ExpiresAt"] = now + holdFor,
            };
            try
            {
                await _table.AddEntityAsync(entity, cancellationToken);
                return null;
            }
            catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.Conflict)
            {
                // Someone holds (or held) it: look at the row.
            }

            var existing = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, vmId, cancellationToken: cancellationToken);
            if (!existing.HasValue)
            {
                continue; // Released in between: try the insert again.
            }

            var current = ToLease(existing.Value!);
            if (current.Owner != owner && current.ExpiresAt > now)
            {
                return current.Owner;
            }

            // Expired, or already ours: take it (ours: renew it from now, keeping when it was first taken).
            if (current.Owner == owner)
            {
                entity["AcquiredAt"] = current.AcquiredAt;
            }

            try
            {
                await _table.UpdateEntityAsync(entity, existing.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                return null;
            }
            catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.NotFound)
            {
                // Lost a race for the expired lease: look again.
            }
        }
    }

    private static VmLease ToLease(TableEntity entity) => new(
        entity.RowKey,
        entity.GetString("Owner") ?? "",
        entity.GetDateTimeOffset("AcquiredAt") ?? DateTimeOffset.MinValue,
        entity.GetDateTimeOffset("ExpiresAt") ?? DateTimeOffset.MinValue);
}
