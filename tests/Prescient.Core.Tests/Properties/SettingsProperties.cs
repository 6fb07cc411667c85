using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Prescient.Core.Settings;

namespace Prescient.Core.Tests.Properties;

public class SettingsProperties
{
    /// <summary>Bounds including invalid ones: negative, above one, percentages, NaN.</summary>
    private static readonly Gen<double> Bound = Gen.OneOf(
        Gen.Choose(0, 100).Select(i => i / 100.0),
        Gen.Elements(-0.1, 1.2, 80.0, double.NaN, double.PositiveInfinity));

    private static readonly Gen<WorkloadRange> AnyRange =
        from low in Bound
        from high in Bound
        select new WorkloadRange(low, high);

    private static bool Fraction(double x) => x is >= 0 and <= 1;

    private static bool RangeOk(WorkloadRange r) => Fraction(r.Low) && Fraction(r.High) && r.Low < r.High;

    private static bool Inside(WorkloadRange outer, WorkloadRange inner) => outer.Low <= inner.Low && inner.High <= outer.High;

    [Property(MaxTest = 500)]
    public Property Ranges_are_valid_exactly_when_ordered_nested_fractions() =>
        Prop.ForAll(
            (from reactive in AnyRange
             from proactive in AnyRange
             from failsafe in AnyRange
             select HostSettings.Default with { ReactiveRange = reactive, ProactiveRange = proactive, FailsafeRange = failsafe })
            .ToArbitrary(),
            settings =>
            {
                var expectedValid = RangeOk(settings.ReactiveRange) && RangeOk(settings.ProactiveRange) && RangeOk(settings.FailsafeRange) &&
                                    Inside(settings.FailsafeRange, settings.ReactiveRange) && Inside(settings.FailsafeRange, settings.ProactiveRange);
                var errors = settings.Validate();
                return (errors.Count == 0) == expectedValid && errors.All(e => e.Length > 0 && e.EndsWith('.'));
            });

    [Property(MaxTest = 300)]
    public Property Every_invalid_knob_is_reported_and_none_is_lost() =>
        Prop.ForAll(
            (from window in Gen.Choose(-5, 5)
             from perCycle in Gen.Choose(-2, 3)
             from perHost in Gen.Choose(-2, 3)
             from improvement in Gen.Elements(-0.5, 0.0, 0.1, 1.0, double.NaN)
             from threshold in Gen.Elements(-0.1, 0.0, 0.05, 1.0, 2.0, double.NaN)
             select HostSettings.Default with
             {
                 AutostartWindow = window,
                 MaxMigrationsPerCycle = perCycle,
                 MaxMigrationsPerHostPerCycle = perHost,
                 MinimumImprovement = improvement,
                 AutostartAccuracyThreshold = threshold,
             }).ToArbitrary(),
            settings =>
            {
                var expected = (settings.AutostartWindow < 1 ? 1 : 0) + (settings.MaxMigrationsPerCycle < 1 ? 1 : 0) +
                               (settings.MaxMigrationsPerHostPerCycle < 1 ? 1 : 0) +
                               (settings.MinimumImprovement is >= 0 and < 1 ? 0 : 1) +
                               (settings.AutostartAccuracyThreshold is > 0 and <= 1 ? 0 : 1);
                return settings.Validate().Count == expected;
            });

    [Property(MaxTest = 200)]
    public Property A_document_resolves_only_valid_settings() =>
        Prop.ForAll(
            (from global in AnyRange
             from host in AnyRange
             select (global, host)).ToArbitrary(),
            ranges =>
            {
                var document = new SettingsDocument
                {
                    Global = new HostSettingsPatch { ReactiveRange = ranges.global },
                    Hosts = new Dictionary<string, HostSettingsPatch> { ["h1"] = new() { ProactiveRange = ranges.host } },
                };
                var valid = document.Validate().Count == 0;
                HostSettings? resolved = null;
                try
                {
                    resolved = document.ResolveHost("h1");
                }
                catch (SettingsValidationException)
                {
                }

                // A valid document resolves; an invalid one may still resolve a host whose own settings are fine
                // (the problem is elsewhere), but whatever resolves is valid.
                return (!valid || resolved is not null) && (resolved is null || resolved.Validate().Count == 0);
            });
}
