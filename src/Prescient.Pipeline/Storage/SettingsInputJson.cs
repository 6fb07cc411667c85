using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Prescient.Core.Settings;

namespace Prescient.Pipeline.Storage;

/// <summary>
/// Reads settings sent by a person or a program, strictly: numbers must be JSON numbers (no <c>"0.1"</c>, no
/// <c>"NaN"</c> or <c>"Infinity"</c>, nothing that overflows to infinity), enumerations must be names (no <c>1</c>
/// or <c>"1"</c>), a property may appear once, unknown properties are refused, and nothing may follow the object.
/// What it reads is written back in the stored form (<see cref="SettingsJsonContext"/>).
/// </summary>
public static class SettingsInputJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>The scope's patch type read from <paramref name="json"/> and written in the stored form.</summary>
    /// <exception cref="JsonException">The JSON is malformed, loose (see the type's summary) or of another shape.</exception>
    public static string Canonicalise(SettingsScopeKind kind, string json) => kind switch
    {
        SettingsScopeKind.Group => JsonSerializer.Serialize(Read<GroupSettingsPatch>(json), SettingsJsonContext.Default.GroupSettingsPatch),
        SettingsScopeKind.Vm => JsonSerializer.Serialize(Read<VmSettingsPatch>(json), SettingsJsonContext.Default.VmSettingsPatch),
        SettingsScopeKind.Calendar => JsonSerializer.Serialize(Read<CalendarSettings>(json), SettingsJsonContext.Default.CalendarSettings),
        _ => JsonSerializer.Serialize(Read<HostSettingsPatch>(json), SettingsJsonContext.Default.HostSettingsPatch),
    };

    private static T Read<T>(string json)
        where T : class
    {
        var value = JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException("The settings are JSON null; send a JSON object ({} sets nothing).");
        NonFinite.Check(value);
        return value;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            NumberHandling = JsonNumberHandling.Strict,
            AllowDuplicateProperties = false,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            AllowTrailingCommas = false,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        options.Converters.Add(new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false));
        options.MakeReadOnly();
        return options;
    }

    /// <summary>A last guard on values System.Text.Json would accept as numbers but are not finite.</summary>
    private static class NonFinite
    {
        public static void Check(object value)
        {
            if (value is HostSettingsPatch patch)
            {
                Range(patch.ReactiveRange, "reactiveRange");
                Range(patch.ProactiveRange, "proactiveRange");
                Range(patch.FailsafeRange, "failsafeRange");
                Number(patch.AutostartAccuracyThreshold, "autostartAccuracyThreshold");
                Number(patch.MinimumImprovement, "minimumImprovement");
            }
        }

        private static void Range(WorkloadRange? range, string name)
        {
            Number(range?.Low, name + ".low");
            Number(range?.High, name + ".high");
        }

        private static void Number(double? value, string name)
        {
            if (value is { } v && !double.IsFinite(v))
            {
                throw new JsonException($"The JSON value at $.{name} is not a finite number.", "$." + name, null, null);
            }
        }
    }
}
