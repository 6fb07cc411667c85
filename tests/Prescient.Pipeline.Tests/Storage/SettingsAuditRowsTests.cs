using System.Text.Json;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Tests.Storage;

public sealed class SettingsAuditRowsTests
{
    private static readonly DateTimeOffset T = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Audit_row_keys_sort_newest_first_and_outside_every_scope_row_and_the_version_row()
    {
        var older = SettingsAuditRows.NewRowKey(T);
        var newer = SettingsAuditRows.NewRowKey(T.AddTicks(1));
        Assert.True(string.CompareOrdinal(newer, older) < 0);
        string[] scopeKeys =
        [
            SettingsScope.Global.RowKey, SettingsScope.Calendar.RowKey, SettingsScope.ForHost("!a").RowKey,
            new SettingsScope(SettingsScopeKind.GlobalDayCategory, null, 1).RowKey, new SettingsScope(SettingsScopeKind.Group, "g").RowKey,
            new SettingsScope(SettingsScopeKind.Vm, "v").RowKey, "~version",
        ];
        foreach (var key in new[] { older, newer })
        {
            Assert.StartsWith(SettingsAuditRows.Prefix, key, StringComparison.Ordinal);
            Assert.True(string.CompareOrdinal(key, SettingsAuditRows.RangeEnd) < 0);
        }

        Assert.All(scopeKeys, key => Assert.True(string.CompareOrdinal(key, SettingsAuditRows.RangeEnd) >= 0, key));
    }

    [Fact]
    public void A_change_is_keyed_after_the_change_it_follows_even_when_its_clock_is_behind()
    {
        var first = SettingsAuditRows.NewRowKey(T);
        var sameTime = SettingsAuditRows.NewRowKey(T, previous: first);
        var clockBehind = SettingsAuditRows.NewRowKey(T.AddMinutes(-5), previous: sameTime);
        Assert.True(string.CompareOrdinal(sameTime, first) < 0);
        Assert.True(string.CompareOrdinal(clockBehind, sameTime) < 0);
        Assert.Equal(SettingsAuditRows.NewRowKey(T.AddMinutes(1))[..26], SettingsAuditRows.NewRowKey(T.AddMinutes(1), previous: first)[..26]);
    }

    [Fact]
    public void Changes_too_long_for_one_row_are_cut_to_whole_entries_with_a_count_of_the_rest()
    {
        IReadOnlyList<string> small = ["global.dryRun: (inherit) -> true"];
        Assert.Equal(small, JsonSerializer.Deserialize<List<string>>(SettingsAuditRows.ChangesText(small)));

        var huge = Enumerable.Range(0, 2_000).Select(i => $"calendar.holidays[{i}]: (none) -> \"2026-01-01\" <+>").ToList();
        var text = SettingsAuditRows.ChangesText(huge);
        Assert.True(text.Length <= SettingsAuditRows.MaxChangesLength, $"{text.Length} characters");
        var kept = JsonSerializer.Deserialize<List<string>>(text)!;
        Assert.Equal(huge[..(kept.Count - 1)], kept[..^1]);
        Assert.Equal($"... and {huge.Count - kept.Count + 1} more change(s), not recorded (too long for one audit record)", kept[^1]);
    }
}
