using System.Text.Json;
using Prescient.Core.Migration;
using Prescient.Simulation.FleetService;

namespace Prescient.Cli.Up;

/// <summary>
/// What <c>up --data</c> keeps between runs besides Azurite's data: the fleet's shape (hosts, seed), when the run
/// began and the simulated time it reached, and the simulated hosts' own state (where each VM runs, each host's
/// power), written on every change as a real host keeps its disk locks and power through a restart of the pipeline.
/// </summary>
public sealed record UpState(
    int Hosts,
    int Seed,
    DateTimeOffset RunStartedAt,
    DateTimeOffset SimulatedNow,
    IReadOnlyDictionary<string, string> VmHosts,
    IReadOnlyDictionary<string, PowerState> HostPower);

/// <summary>The state file (<see cref="FileName"/> in the data folder), replaced atomically on each write.</summary>
public sealed class UpStateFile
{
    public const string FileName = "prescient-up.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly Lock _gate = new();
    private readonly string _path;
    private UpState _state;

    public UpStateFile(string dataDirectory, UpState initial)
    {
        _path = Path.Combine(dataDirectory, FileName);
        _state = initial;
        Write();
    }

    /// <summary>The state an earlier run left in <paramref name="dataDirectory"/>, or null.</summary>
    public static UpState? Load(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<UpState>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{path} is not a state file this version can read ({e.Message}); use another --data folder.", e);
        }
    }

    /// <summary>Where every VM runs and each host's power, from the fleet's own snapshot.</summary>
    public static (IReadOnlyDictionary<string, string> VmHosts, IReadOnlyDictionary<string, PowerState> HostPower) Placement(FleetSnapshot fleet)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        return (
            fleet.Vms.ToDictionary(v => v.VmId, v => v.DiskLockHolder, StringComparer.Ordinal),
            fleet.Hosts.ToDictionary(h => h.HostId, h => h.PowerState == PowerState.Reduced ? PowerState.Reduced : PowerState.On, StringComparer.Ordinal));
    }

    public void SavePlacement(FleetSnapshot fleet)
    {
        var (vmHosts, hostPower) = Placement(fleet);
        lock (_gate)
        {
            _state = _state with { VmHosts = vmHosts, HostPower = hostPower };
            Write();
        }
    }

    public void SaveTime(DateTimeOffset simulatedNow)
    {
        lock (_gate)
        {
            if (simulatedNow > _state.SimulatedNow)
            {
                _state = _state with { SimulatedNow = simulatedNow };
                Write();
            }
        }
    }

    private void Write()
    {
        var temporary = _path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(_state, Json));
        File.Move(temporary, _path, overwrite: true);
    }
}
