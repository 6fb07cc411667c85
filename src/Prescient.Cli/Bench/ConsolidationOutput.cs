using System.Globalization;
using System.Text.Json;
using Prescient.Simulation.Benchmarks;
using Prescient.Simulation.Consolidation;
using Prescient.Simulation.Reports;
using Spectre.Console;

namespace Prescient.Cli.Bench;

/// <summary>What <c>bench consolidation</c> prints: tables (per day, medians, Prescient against the best baselines, the team goal), JSON, charts.</summary>
internal sealed class ConsolidationOutput(IAnsiConsole console)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public void Tables(IReadOnlyList<ConsolidationReport> reports, ConsolidationSetup setup)
    {
        foreach (var report in reports)
        {
            var days = report.Fleets.Select(f => f.Day).ToList();
            foreach (var day in days)
            {
                var dayFloor = report.Fleets.First(f => f.Day == day).EnergyFloorKWh;
                Results(string.Create(Inv, $"Day {day} (energy floor {dayFloor:0.00} kWh)"), report.Results.Where(r => r.Day == day), report.Oracle);
            }

            var floor = string.Create(Inv, $"energy floor {Median(report.Fleets.Select(f => f.EnergyFloorKWh)):0.00} kWh");
            var title = report.Family == TraceFamilies.PlanetLab
                ? $"Median over {days.Count} day(s) ({floor})"
                : $"Median over {days.Count} day(s) ({report.Family}: {FleetDescription(report)}; {floor})";
            Results(title, report.Medians, report.Oracle);
            AgainstBestBaselines(report);
        }

        console.WriteLine();
        foreach (var m in reports.Count > 0 ? reports[0].Medians : [])
        {
            console.MarkupLineInterpolated($"[grey]{m.Name}: {m.Settings}[/]");
        }

        console.MarkupLineInterpolated($"[grey]mode: {setup.Mode}[/]");
        foreach (var line in Caveats(reports, setup))
        {
            console.MarkupLineInterpolated($"[yellow]note:[/] {line}");
        }

        Goal(reports, setup);
    }

    /// <summary>Refusals and switches a policy does not implement, in words, one line per policy and family.</summary>
    private static IEnumerable<string> Caveats(IReadOnlyList<ConsolidationReport> reports, ConsolidationSetup setup)
    {
        foreach (var report in reports)
        {
            foreach (var m in report.Medians.Where(m => m.RefusedMoves > 0 || m.RefusedPlacements > 0 || m.VmsPlacedBySimulator > 0))
            {
                yield return string.Create(Inv, $"{report.Family}: {m.Name} proposed moves the simulator refused (median per day: {m.RefusedMoves} moves, {m.RefusedPlacements} initial placements, {m.VmsPlacedBySimulator} VMs placed by the simulator); first: {m.FirstRefusal}");
            }
        }

        foreach (var report in reports)
        {
            // The oracle has the Prescient policies' settings and perfect forecasts: a policy ahead of it on a metric
            // shows where it is not (yet) a bound.
            if (report.Oracle is not { } oracle)
            {
                continue;
            }

            foreach (var m in report.Medians.Where(m => m.Name.StartsWith(TeamGoal.PrescientPrefix, StringComparison.Ordinal)))
            {
                var ahead = new[] { BaselineComparison.Energy, BaselineComparison.Esv, BaselineComparison.Migrations }
                    .Where(metric => BaselineComparison.Value(m, metric) < BaselineComparison.Value(oracle, metric) * (1 - 1e-9))
                    .Select(metric => string.Create(Inv, $"{metric} {BaselineComparison.Value(m, metric) / BaselineComparison.Value(oracle, metric):0.00}x"))
                    .ToList();
                if (ahead.Count > 0)
                {
                    yield return $"{report.Family}: the oracle does not bound {m.Name} on {string.Join(", ", ahead)} of the oracle's";
                }
            }
        }

        var notHonoured = reports.SelectMany(r => r.Medians).Where(m => m.SwitchesNotHonoured != PolicySwitches.None).Select(m => m.Name).Distinct().ToList();
        if (notHonoured.Count > 0 && setup.EvacuateReceivers)
        {
            yield return $"receiver evacuation (--cloudsim-evacuate-receivers) is a rule inside each policy; {string.Join(", ", notHonoured)} do(es) not implement it yet, so their figures do not apply it";
        }
    }

    private void Results(string title, IEnumerable<ConsolidationResult> rows, ConsolidationResult? oracle)
    {
        var table = new Table().Title(title).Border(TableBorder.Simple);
        foreach (var c in new[] { "policy", "energy kWh", "E/floor", "SLATAH", "PDM", "SLAV", "ESV", "migrations", "refused", "SLATAH cs", "ESV cs", "E/oracle", "ESV/oracle", "host-h >0.8", "host-h mem full", "overload mean/p99 s", "undone <1h" })
        {
            table.AddColumn(new TableColumn(c).RightAligned());
        }

        foreach (var r in rows)
        {
            table.AddRow(
                Markup.Escape(r.Name),
                r.EnergyKWh.ToString("0.00", Inv),
                r.EnergyVsFloor.ToString("0.00", Inv),
                r.Slatah.ToString("0.00%", Inv),
                r.Pdm.ToString("0.000%", Inv),
                r.Slav.ToString("0.000e+00", Inv),
                r.Esv.ToString("0.000e+00", Inv),
                r.Migrations.ToString(Inv),
                (r.RefusedMoves + r.RefusedPlacements).ToString(Inv),
                r.SlatahCloudSim.ToString("0.00%", Inv),
                r.EsvCloudSim.ToString("0.000e+00", Inv),
                oracle is null ? "-" : ConsolidationBenchmark.Ratio(r.EnergyKWh, oracle.EnergyKWh),
                oracle is null ? "-" : ConsolidationBenchmark.Ratio(r.Esv, oracle.Esv),
                r.HostHoursAboveHigh.ToString("0.0", Inv),
                r.HostHoursMemoryFull.ToString("0.0", Inv),
                string.Create(Inv, $"{r.MeanOverloadSeconds:0}/{r.P99OverloadSeconds:0}"),
                r.MigrationsUndoneWithinHour.ToString(Inv));
        }

        console.Write(table);
    }

    /// <summary>Each Prescient policy (and the oracle) against LR-MMT-1.2 and the best baseline on each metric.</summary>
    private void AgainstBestBaselines(ConsolidationReport report)
    {
        var best = report.BestBaselines;
        var lr = report.Medians.FirstOrDefault(m => m.Name == TeamGoal.Baseline);
        var rows = report.Medians.Where(m => !BaselineComparison.IsBaseline(m.Name)).ToList();
        if (best.Count == 0 || rows.Count == 0)
        {
            return;
        }

        var table = new Table().Title($"{report.Family}: ratios to the best baseline on each metric (medians; lower is better)").Border(TableBorder.Simple);
        table.AddColumn("policy");
        var lrColumn = lr is not null && best[BaselineComparison.Energy].Policy != TeamGoal.Baseline;
        if (lrColumn)
        {
            table.AddColumn(new TableColumn($"energy / {TeamGoal.Baseline}").RightAligned());
        }

        foreach (var metric in BaselineComparison.Metrics.Where(best.ContainsKey))
        {
            table.AddColumn(new TableColumn($"{metric} / {best[metric].Policy}").RightAligned());
        }

        table.AddColumn(new TableColumn("energy / floor").RightAligned());
        foreach (var r in rows)
        {
            var cells = new List<string> { Markup.Escape(r.Name) };
            if (lrColumn)
            {
                cells.Add(ConsolidationBenchmark.Ratio(r.EnergyKWh, lr!.EnergyKWh));
            }

            cells.AddRange(BaselineComparison.Ratios(r, best).Select(x => x.Ratio is { } q ? q.ToString("0.00", Inv) : x.Value > 0 ? "> 0 (best 0)" : "0 (best 0)"));
            cells.Add(r.EnergyVsFloor.ToString("0.00", Inv));
            table.AddRow([.. cells]);
        }

        console.Write(table);
    }

    /// <summary>The team goal as a pass/fail table, one row per family.</summary>
    private void Goal(IReadOnlyList<ConsolidationReport> reports, ConsolidationSetup setup)
    {
        var judged = setup.EnforceMemory ? "judged: memory enforced" : "informative: judged with --memory enforced";
        var table = new Table().Title($"Team goal per family ({judged})").Border(TableBorder.Simple);
        foreach (var c in new[]
        {
            "family", "best Prescient policy",
            string.Create(Inv, $"energy / {TeamGoal.Baseline} <= {TeamGoal.MaxEnergyRatio:0.0}"),
            string.Create(Inv, $"ESV / best baseline <= {TeamGoal.MaxEsvRatio:0.0}"),
            string.Create(Inv, $"migrations / best baseline <= {TeamGoal.MaxMigrationsRatio:0.0}"),
            string.Create(Inv, $"energy / floor <= {TeamGoal.MaxEnergyVsFloor:0.0}"),
            "goal",
        })
        {
            table.AddColumn(c);
        }

        foreach (var report in reports)
        {
            var goal = report.Goal;
            if (goal.NotEvaluated is not null)
            {
                table.AddRow(report.Family, "-", "-", "-", "-", "-", Markup.Escape("not evaluated: " + goal.NotEvaluated));
                continue;
            }

            string Cell(string name) => goal.Check(name) is { } c ? Markup.Escape($"{c.Describe()} ({c.Reference})") : "-";
            table.AddRow(
                report.Family,
                Markup.Escape(goal.Policy!),
                Cell(TeamGoal.EnergyCheck),
                Cell(TeamGoal.EsvCheck),
                Cell(TeamGoal.MigrationsCheck),
                Cell(TeamGoal.FloorCheck),
                goal.Met ? "PASS" : "FAIL");
        }

        console.Write(table);
    }

    private static string FleetDescription(ConsolidationReport report)
    {
        if (report.Fleets.Count == 0)
        {
            return "no days";
        }

        static string Range(IEnumerable<int> xs)
        {
            var (min, max) = (xs.Min(), xs.Max());
            return min == max ? min.ToString(Inv) : string.Create(Inv, $"{min}-{max}");
        }

        return $"{Range(report.Fleets.Select(f => f.Hosts))} hosts, {Range(report.Fleets.Select(f => f.Vms))} VMs";
    }

    private static double Median(IEnumerable<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length == 0 ? 0 : s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
    }

    public static List<string> WriteCharts(string folder, ConsolidationReport report, ConsolidationSetup setup)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        var days = report.Fleets.Count;
        var cloudSim = setup.RemoveIdleVms || setup.EvacuateReceivers;
        var suffix = (setup.EnforceMemory ? ", memory enforced" : "") + (cloudSim ? ", CloudSim mode" : "");
        var name = "consolidation-" + report.Family + (setup.EnforceMemory ? "-memory" : "") + (cloudSim ? "-cloudsim" : "");
        var medians = Path.GetFullPath(Path.Combine(folder, $"{name}-medians.png"));
        var floor = Median(report.Fleets.Select(f => f.EnergyFloorKWh));
        ConsolidationCharts.Medians(medians, report.Medians, $"{report.Family}, median over {days} day(s){suffix}: lower left is better", floor > 0 ? floor : null);
        written.Add(medians);
        string[] headline = ["THR-MMT-0.8", "LR-MMT-1.2", "oracle", "prescient-reactive", "prescient-proactive-host", "prescient-proactive-vm"];
        if (days <= 10 && report.Results.Any(r => headline.Contains(r.Name)))
        {
            var perDay = Path.GetFullPath(Path.Combine(folder, $"{name}-energy-per-day.png"));
            ConsolidationCharts.EnergyPerDay(perDay, report.Results, headline, $"{report.Family}: energy per day{suffix}");
            written.Add(perDay);
        }

        return written;
    }

    public static string Json(IReadOnlyList<ConsolidationReport> reports, ConsolidationSetup setup, IReadOnlyList<string> skippedFamilies) =>
        JsonSerializer.Serialize(new
        {
            mode = setup.Mode,
            memoryEnforced = setup.EnforceMemory,
            hostRamMb = setup.HostRamMb,
            skippedFamilies,
            results = reports.SelectMany(r => Rows(r, r.Results)).ToList(),
            medians = reports.SelectMany(r => Rows(r, r.Medians)).ToList(),
            families = reports.Select(r =>
            {
                var goal = r.Goal;
                return new
                {
                    family = r.Family,
                    days = r.Fleets.Count,
                    notes = r.Notes,
                    fleets = r.Fleets.Select(f => new { day = f.Day, hosts = f.Hosts, vms = f.Vms, energyFloorKWh = f.EnergyFloorKWh }).ToList(),
                    bestBaselines = r.BestBaselines.Values.Select(b => new { metric = b.Metric, policy = b.Policy, value = b.Value }).ToList(),
                    medians = Rows(r, r.Medians),
                    goal = new
                    {
                        judged = goal.Judged,
                        policy = goal.Policy,
                        checks = goal.Checks.Select(c => new { name = c.Name, reference = c.Reference, ratio = c.Ratio, limit = c.Limit, passed = c.Passed }).ToList(),
                        met = goal.NotEvaluated is null ? goal.Met : (bool?)null,
                        notEvaluated = goal.NotEvaluated,
                        text = goal.Describe(),
                    },
                };
            }).ToList(),
        }, JsonOptions);

    private static List<object> Rows(ConsolidationReport report, IEnumerable<ConsolidationResult> rows)
    {
        var oracle = report.Oracle;
        var best = report.BestBaselines;
        var lr = report.Medians.FirstOrDefault(m => m.Name == TeamGoal.Baseline);
        object Row(ConsolidationResult r) => new
        {
            family = report.Family,
            name = r.Name,
            day = r.Day,
            energyKWh = r.EnergyKWh,
            energyFloorKWh = r.EnergyFloorKWh,
            energyVsFloor = r.EnergyVsFloor,
            slatah = r.Slatah,
            pdm = r.Pdm,
            slav = r.Slav,
            esv = r.Esv,
            migrations = r.Migrations,
            refusedMoves = r.RefusedMoves,
            refusedPlacements = r.RefusedPlacements,
            vmsPlacedBySimulator = r.VmsPlacedBySimulator,
            firstRefusal = r.FirstRefusal,
            switchesNotHonoured = r.SwitchesNotHonoured == PolicySwitches.None ? null : r.SwitchesNotHonoured.ToString(),
            slatahCloudSimAccounting = r.SlatahCloudSim,
            esvCloudSimAccounting = r.EsvCloudSim,
            hostHoursAboveHigh = r.HostHoursAboveHigh,
            hostHoursMemoryFull = r.HostHoursMemoryFull,
            floorMemoryBoundShare = r.FloorMemoryBoundShare,
            meanOverloadSeconds = r.MeanOverloadSeconds,
            p99OverloadSeconds = r.P99OverloadSeconds,
            migrationsUndoneWithinHour = r.MigrationsUndoneWithinHour,
            meanActiveHosts = r.MeanActiveHosts,
            energyToOracle = oracle is null ? (double?)null : r.EnergyKWh / oracle.EnergyKWh,
            esvToOracle = oracle is null || oracle.Esv <= 0 ? (double?)null : r.Esv / oracle.Esv,
            energyToLrMmt = r.Day != "median" || lr is null || lr.EnergyKWh <= 0 ? (double?)null : r.EnergyKWh / lr.EnergyKWh,
            toBestBaseline = r.Day != "median" ? null : BaselineComparison.Ratios(r, best).Select(x => new { metric = x.Metric, baseline = x.Baseline, ratio = x.Ratio }).ToList(),
            settings = r.Settings,
        };
        return [.. rows.Select(Row)];
    }
}
