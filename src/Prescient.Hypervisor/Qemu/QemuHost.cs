using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Contract;
using Prescient.Hypervisor.HostMetrics;
using Prescient.Hypervisor.Peers;
using Prescient.Hypervisor.Power;

namespace Prescient.Hypervisor.Qemu;

/// <summary>
/// The hypervisor contract for a host that runs QEMU directly, over QMP. This file: the VMs it owns (started from
/// definitions, adopted after a restart), status from the real host, power. The migration steps are in
/// <c>QemuHost.Incoming.cs</c> (destination) and <c>QemuHost.Outgoing.cs</c> (source); docs/hypervisors.md maps them.
/// </summary>
public sealed partial class QemuHost : IHypervisorHost, IMigrationPeer, IAsyncDisposable
{
    public const string BackendName = "qemu";
    private const double MiB = 1024 * 1024;
    private static readonly JsonSerializerOptions DefinitionJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly QemuHostOptions _options;
    private readonly HostPower _power;
    private readonly PeerClient _peers;
    private readonly ProcHostMetrics _proc;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, QemuVm> _vms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OutgoingMigration> _outgoing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IncomingMigration> _incoming = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _busy = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (double Seconds, long At, double Cores)> _cpu = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _dirtyRates = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private double _hostBusy;
    private Task _sampler = Task.CompletedTask;
    private Task _dirtySampler = Task.CompletedTask;

    private QemuHost(QemuHostOptions options, HostPower power, PeerClient peers, TimeProvider time, ILogger log)
    {
        _options = options;
        _power = power;
        _peers = peers;
        _proc = new ProcHostMetrics(options.ProcPath);
        _time = time;
        _log = log;
    }

    public string HostId => _options.HostId;

    public Version QemuVersion { get; private set; } = new(0, 0, 0);

    public IReadOnlySet<string> Machines { get; private set; } = new HashSet<string>();

    public IReadOnlySet<string> CpuModels { get; private set; } = new HashSet<string>();

    public bool KvmAvailable { get; private set; }

    public HostPower Power => _power;

    /// <summary>Probes QEMU, adopts the VMs it left running (detached) and starts the other definitions (autostart).</summary>
    /// <param name="peers">The other agents of the migration domain (their /peer routes).</param>
    public static async Task<QemuHost> StartAsync(QemuHostOptions options, HostPower power, PeerClient peers, ILogger<QemuHost> log, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid QEMU backend settings: " + string.Join(" ", problems), nameof(options));
        }

        Directory.CreateDirectory(options.RunDirectory);
        Directory.CreateDirectory(options.VmDirectory);
        var host = new QemuHost(options, power, peers, time ?? TimeProvider.System, log);
        await host.ProbeAsync(cancellationToken);
        foreach (var file in Directory.EnumerateFiles(options.VmDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            var definition = JsonSerializer.Deserialize<QemuVmDefinition>(await File.ReadAllTextAsync(file, cancellationToken), DefinitionJson);
            if (definition is null || definition.Problems().Count > 0)
            {
                LogBadDefinition(log, file, definition is null ? "empty" : string.Join("; ", definition.Problems()));
                continue;
            }

            if (!await host.AdoptAsync(definition, cancellationToken) && options.Autostart)
            {
                await host.StartVmAsync(definition, cancellationToken);
            }
        }

        host._sampler = Task.Run(host.SampleLoopAsync, CancellationToken.None);
        host._dirtySampler = Task.Run(host.DirtyRateLoopAsync, CancellationToken.None);
        return host;
    }

    /// <summary>Boots a VM on this host and records its definition (it is this host's VM from now on).</summary>
    public async Task<QemuVm> StartVmAsync(QemuVmDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"VM definition {definition.VmId}: {string.Join("; ", problems)}", nameof(definition));
        }

        lock (_gate)
        {
            if (_vms.ContainsKey(definition.VmId) || _busy.ContainsKey(definition.VmId))
            {
                throw new InvalidOperationException($"VM {definition.VmId} already runs on {HostId}.");
            }
        }

        var paths = PathsFor(definition.VmId, "boot");
        var vm = await QemuVm.StartAsync(_options.QemuBinary, definition, paths, incoming: false, _options.DetachVms, _log, cancellationToken, _options.Nice);
        await SaveDefinitionAsync(definition, paths, cancellationToken);
        Own(vm);
        LogStarted(_log, definition.VmId, vm.Pid, HostId);
        return vm;
    }

    /// <summary>The console log of a VM running here (its heartbeat, for tests and the demo).</summary>
    public string? ConsoleLogOf(string vmId)
    {
        lock (_gate)
        {
            return _vms.TryGetValue(vmId, out var vm) ? vm.Paths.ConsoleLog : null;
        }
    }

    /// <summary>The QEMU process of a VM running here (tests kill it to simulate a crash).</summary>
    public QemuVm? VmProcess(string vmId)
    {
        lock (_gate)
        {
            return _vms.TryGetValue(vmId, out var vm) ? vm : null;
        }
    }

    /// <summary>The destination's QEMU of an incoming migration, while it is prepared (tests kill it).</summary>
    public QemuVm? IncomingProcess(string migrationId)
    {
        lock (_gate)
        {
            return _incoming.TryGetValue(migrationId, out var incoming) ? incoming.Vm : null;
        }
    }

    /// <summary>What QEMU reported for an outgoing migration that ended (null while it runs or when unknown).</summary>
    public QemuMigrationReport? ReportOf(string migrationId)
    {
        OutgoingMigration? migration;
        lock (_gate)
        {
            _outgoing.TryGetValue(migrationId, out migration);
        }

        return migration is { Ended.IsCompletedSuccessfully: true } ? migration.Report(migration.Ended.Result) : null;
    }

    public async Task<HypervisorResult<HostStatus>> GetStatusAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        var capacity = _options.CpuCapacity ?? _proc.CpuCount();
        var vms = new List<VmStatus>();
        double ownedCores = 0;
        int active;
        lock (_gate)
        {
            foreach (var (vmId, vm) in _vms)
            {
                var cores = _cpu.TryGetValue(vmId, out var c) ? c.Cores : 0;
                ownedCores += cores;
                var quiesced = _busy.TryGetValue(vmId, out var id) && _outgoing.TryGetValue(id, out var m) && m.Phase is OutgoingPhase.Quiesced;
                vms.Add(new VmStatus(vmId, vm.Definition.GroupId, cores, vm.Definition.MemoryMb, _dirtyRates.GetValueOrDefault(vmId), quiesced ? VmRunState.Quiesced : VmRunState.Running));
            }

            foreach (var incoming in _incoming.Values.Where(i => i.Holds))
            {
                vms.Add(new VmStatus(incoming.Request.VmId, incoming.Vm?.Definition.GroupId, 0, incoming.Vm?.Definition.MemoryMb ?? incoming.Request.MemoryMb, 0, VmRunState.Incoming));
            }

            active = _outgoing.Values.Count(o => o.Phase is OutgoingPhase.Precopy or OutgoingPhase.Quiesced) + _incoming.Values.Count(i => i.Holds);
        }

        var load = _options.LoadSource == LoadSource.OwnedVms ? Math.Min(1, ownedCores / capacity) : Volatile.Read(ref _hostBusy);
        return new HostStatus(HostId, capacity, OfferedMemoryMb(), _options.BandwidthMBps, load, _power.State, vms, active, _time.GetUtcNow());
    }

    public async Task<HypervisorResult<PowerResponse>> SetPowerAsync(PowerAction action, CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (action == PowerAction.Wake)
        {
            return new PowerResponse(HostId, _power.Wake());
        }

        lock (_gate)
        {
            if (_vms.Count > 0 || _incoming.Values.Any(i => i.Holds))
            {
                return HypervisorResult<PowerResponse>.Fail(409, HypervisorErrorCodes.HostNotEmpty,
                    $"{HostId} still holds VMs: {string.Join(", ", _vms.Keys.Concat(_incoming.Values.Where(i => i.Holds).Select(i => i.Request.VmId)))}.");
            }
        }

        return new PowerResponse(HostId, _power.Reduce());
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_sampler, _dirtySampler);
        List<QemuVm> all;
        lock (_gate)
        {
            all = [.. _vms.Values.Concat(_incoming.Values.Select(i => i.Vm).OfType<QemuVm>()).Distinct()];
        }

        foreach (var vm in all)
        {
            if (!_options.DetachVms)
            {
                await vm.QuitAsync(TimeSpan.FromSeconds(5)); // Child VMs end with the agent.
            }

            await vm.DisposeAsync();
        }

        _stopping.Dispose();
    }

    /// <summary>Stops every VM this host owns (tests and the demo clean up with it).</summary>
    public async Task StopAllVmsAsync()
    {
        List<QemuVm> all;
        lock (_gate)
        {
            all = [.. _vms.Values, .. _incoming.Values.Select(i => i.Vm).OfType<QemuVm>()];
        }

        await Task.WhenAll(all.Distinct().Where(vm => !vm.HasExited).Select(vm => vm.QuitAsync(TimeSpan.FromSeconds(5))));
    }

    private double OfferedMemoryMb()
    {
        var (total, _) = _proc.Memory();
        return _options.MemoryMb ?? Math.Max(0, total - _options.MemoryReserveMb);
    }

    private void Own(QemuVm vm)
    {
        lock (_gate)
        {
            _vms[vm.Definition.VmId] = vm;
        }

        _ = vm.Exited.ContinueWith(_ => Disown(vm), TaskScheduler.Default);
    }

    private void Disown(QemuVm vm)
    {
        lock (_gate)
        {
            if (_vms.TryGetValue(vm.Definition.VmId, out var current) && current == vm)
            {
                _vms.Remove(vm.Definition.VmId);
                _cpu.Remove(vm.Definition.VmId);
                _dirtyRates.Remove(vm.Definition.VmId);
            }
        }
    }

    private QemuVmPaths PathsFor(string vmId, string instance)
    {
        // Unix socket paths are limited to 107 bytes: the socket gets a short hashed name, the console log a readable one.
        var tag = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(vmId + "|" + instance)))[..12];
        return new QemuVmPaths(
            Path.Combine(_options.RunDirectory, $"q-{tag}.qmp"),
            Path.Combine(_options.RunDirectory, $"{vmId}.{tag}.console"),
            Path.Combine(_options.RunDirectory, $"q-{tag}.pid"));
    }

    private string DefinitionFile(string vmId) => Path.Combine(_options.VmDirectory, vmId + ".json");

    private string StateFile(string vmId) => Path.Combine(_options.RunDirectory, vmId + ".paths.json");

    private async Task SaveDefinitionAsync(QemuVmDefinition definition, QemuVmPaths paths, CancellationToken cancellationToken)
    {
        await WriteAtomicallyAsync(DefinitionFile(definition.VmId), JsonSerializer.Serialize(definition, DefinitionJson), cancellationToken);
        await WriteAtomicallyAsync(StateFile(definition.VmId), JsonSerializer.Serialize(paths, DefinitionJson), cancellationToken);
    }

    private void ForgetDefinition(string vmId)
    {
        File.Delete(DefinitionFile(vmId));
        File.Delete(StateFile(vmId));
    }

    private static async Task WriteAtomicallyAsync(string path, string text, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, text, cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }

    private async Task<bool> AdoptAsync(QemuVmDefinition definition, CancellationToken cancellationToken)
    {
        if (!File.Exists(StateFile(definition.VmId)))
        {
            return false;
        }

        var paths = JsonSerializer.Deserialize<QemuVmPaths>(await File.ReadAllTextAsync(StateFile(definition.VmId), cancellationToken), DefinitionJson);
        if (paths is null || await QemuVm.AdoptAsync(definition, paths, _log, cancellationToken) is not { } vm)
        {
            return false;
        }

        // A migration this agent was running when it stopped is rolled back: QEMU keeps the VM on this side.
        var migration = await vm.QueryMigrateAsync(cancellationToken);
        var status = migration.TryGetProperty("status", out var s) ? s.GetString() : null;
        if (status is "active" or "pre-switchover" or "setup" or "device")
        {
            await vm.ExecuteAsync("migrate_cancel", null, cancellationToken);
        }

        LogAdopted(_log, definition.VmId, vm.Pid, status ?? "none", await vm.RunStateAsync(cancellationToken));
        Own(vm);
        return true;
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var version = await RunQemuAsync("--version", cancellationToken);
        var match = VersionPattern().Match(version);
        QemuVersion = match.Success ? new Version(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture)) : new Version(0, 0, 0);
        Machines = Names(await RunQemuAsync("-machine help", cancellationToken));
        CpuModels = Names(await RunQemuAsync("-cpu help", cancellationToken));
        KvmAvailable = File.Exists("/dev/kvm");
    }

    private static HashSet<string> Names(string help) =>
        help.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2))
            .ToHashSet(StringComparer.Ordinal);

    private async Task<string> RunQemuAsync(string arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_options.QemuBinary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in arguments.Split(' '))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{_options.QemuBinary} did not start");
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return output;
    }

    private async Task SampleLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.SampleInterval, _time);
        try
        {
            do
            {
                SampleCpu();
                DropExpiredPreparations();
            }
            while (await timer.WaitForNextTickAsync(_stopping.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void SampleCpu()
    {
        if (_options.LoadSource == LoadSource.Host)
        {
            try
            {
                if (_proc.BusyFraction() is { } busy)
                {
                    Volatile.Write(ref _hostBusy, busy);
                }
            }
            catch (IOException e)
            {
                LogSampleFailed(_log, e.Message);
            }
        }

        var now = _time.GetTimestamp();
        lock (_gate)
        {
            foreach (var (vmId, vm) in _vms)
            {
                if (vm.CpuSeconds() is not { } seconds)
                {
                    continue;
                }

                var cores = _cpu.TryGetValue(vmId, out var previous) && now > previous.At
                    ? Math.Max(0, (seconds - previous.Seconds) / _time.GetElapsedTime(previous.At, now).TotalSeconds)
                    : 0;
                _cpu[vmId] = (seconds, now, cores);
            }
        }
    }

    private async Task DirtyRateLoopAsync()
    {
        if (_options.DirtyRateInterval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.DirtyRateInterval, _time);
        try
        {
            do
            {
                List<QemuVm> idle;
                lock (_gate)
                {
                    idle = [.. _vms.Values.Where(v => !_busy.ContainsKey(v.Definition.VmId))];
                }

                foreach (var vm in idle)
                {
                    if (await MeasureDirtyRateAsync(vm, _stopping.Token) is { } rate)
                    {
                        lock (_gate)
                        {
                            _dirtyRates[vm.Definition.VmId] = rate;
                        }
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(_stopping.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>QEMU's own dirty-rate measurement (<c>calc-dirty-rate</c>, one second of page sampling), MiB/s.</summary>
    private async Task<double?> MeasureDirtyRateAsync(QemuVm vm, CancellationToken cancellationToken)
    {
        try
        {
            await vm.ExecuteAsync("calc-dirty-rate", new Dictionary<string, object> { ["calc-time"] = 1 }, cancellationToken);
            for (var attempt = 0; attempt < 20; attempt++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(attempt == 0 ? 1100 : 250), _time, cancellationToken);
                var result = await vm.ExecuteAsync("query-dirty-rate", null, cancellationToken);
                if (result.GetProperty("status").GetString() == "measured")
                {
                    return result.GetProperty("dirty-rate").GetDouble();
                }
            }
        }
        catch (QmpException e)
        {
            LogDirtyRateFailed(_log, vm.Definition.VmId, e.Message);
        }

        return null;
    }

    [GeneratedRegex(@"version (\d+)\.(\d+)\.(\d+)")]
    private static partial Regex VersionPattern();

    [LoggerMessage(Level = LogLevel.Warning, Message = "VM definition {File} ignored: {Problems}")]
    private static partial void LogBadDefinition(ILogger logger, string file, string problems);

    [LoggerMessage(Level = LogLevel.Information, Message = "Started VM {VmId} (QEMU pid {Pid}) on {HostId}")]
    private static partial void LogStarted(ILogger logger, string vmId, int pid, string hostId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adopted VM {VmId} (QEMU pid {Pid}); migration status was {Migration}, run state {RunState}")]
    private static partial void LogAdopted(ILogger logger, string vmId, int pid, string migration, string runState);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host sampling failed: {Reason}")]
    private static partial void LogSampleFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dirty-rate measurement of {VmId} failed: {Reason}")]
    private static partial void LogDirtyRateFailed(ILogger logger, string vmId, string reason);
}
