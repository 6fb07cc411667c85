using System.Diagnostics;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Qemu;

namespace Prescient.Hypervisor.Libvirt;

/// <summary>
/// The source side of one libvirt migration: the <c>virsh migrate --p2p</c> job and its iterations as rounds, read
/// from <c>domjobinfo</c> while it runs (an iteration is recorded when first seen: polling, so a round's figures are
/// those of the first reading after it started).
/// </summary>
internal sealed class LibvirtOutgoing(string migrationId, string vmId, string destinationHostId)
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<int, (DateTimeOffset At, double RemainingMb)> _iterations = [];

    public string MigrationId { get; } = migrationId;

    public string VmId { get; } = vmId;

    public string DestinationHostId { get; } = destinationHostId;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    public OutgoingPhase Phase { get; set; } = OutgoingPhase.Registered;

    public string DestinationUri { get; set; } = "";

    public Process? Job { get; set; }

    /// <summary>The job's end: virsh's exit code and error text.</summary>
    public Task<VirshResult>? Ended { get; set; }

    public double TotalMb { get; set; }

    public QuiesceResponse? QuiesceAnswer { get; set; }

    public ResumeResponse? ResumeAnswer { get; set; }

    public AbortResponse? AbortAnswer { get; set; }

    public bool Failed => Ended is { IsCompleted: true } ended && !ended.Result.Ok;

    public int Iterations
    {
        get
        {
            lock (_gate)
            {
                return _iterations.Count == 0 ? 0 : _iterations.Keys.Max();
            }
        }
    }

    public void Record(int iteration, double remainingMb, DateTimeOffset at)
    {
        lock (_gate)
        {
            _iterations.TryAdd(iteration, (at, iteration == 1 ? Math.Max(TotalMb, remainingMb) : remainingMb));
        }
    }

    public PrecopyRoundStatus? Round(int round, double bandwidthMBps, double liveRemainingMb, DateTimeOffset now)
    {
        lock (_gate)
        {
            var completed = Ended is { IsCompletedSuccessfully: true, Result.Ok: true };
            var last = _iterations.Count == 0 ? 0 : _iterations.Keys.Max();
            if (round > last)
            {
                return completed ? new PrecopyRoundStatus(MigrationId, round, RoundState.Completed, 0, 0, 0, 0) : null;
            }

            var (at, remaining) = _iterations[round];
            var next = _iterations.Where(i => i.Key > round).Select(i => ((DateTimeOffset At, double RemainingMb)?)i.Value).FirstOrDefault();
            if (next is { } n)
            {
                return new PrecopyRoundStatus(MigrationId, round, RoundState.Completed, remaining, n.RemainingMb, (n.At - at).TotalSeconds, 0);
            }

            return completed
                ? new PrecopyRoundStatus(MigrationId, round, RoundState.Completed, remaining, 0, (now - at).TotalSeconds, 0)
                : new PrecopyRoundStatus(MigrationId, round, RoundState.Running, remaining, 0, (now - at).TotalSeconds, liveRemainingMb / bandwidthMBps);
        }
    }
}
