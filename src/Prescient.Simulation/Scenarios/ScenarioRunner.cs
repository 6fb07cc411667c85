using System.Diagnostics;
using Prescient.Simulation.Engine;

namespace Prescient.Simulation.Scenarios;

/// <summary>Trains every VM's forecaster on the training days, then replays the day under each policy from the same trained state.</summary>
public static class ScenarioRunner
{
    public static ScenarioResult Run(Scenario scenario, IProgress<ScenarioProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var watch = Stopwatch.StartNew();
        var setup = scenario.Setup;
        var engine = new SimulationEngine(setup);
        var trained = new Dictionary<string, IVmForecaster>(StringComparer.Ordinal);
        var vms = setup.Placement.Select(p => p.Vm).ToList();
        for (var i = 0; i < vms.Count; i++)
        {
            progress?.Report(new ScenarioProgress($"training the network of {vms[i].Id}", (double)i / vms.Count));
            var f = scenario.NewForecaster(vms[i].Id);
            f.Train(engine.History(vms[i], setup.TrainingDays), setup.Options.TrainingEpochs);
            trained[vms[i].Id] = f;
        }

        progress?.Report(new ScenarioProgress("training done", 1));
        var results = new List<PolicyResult>();
        foreach (var policy in scenario.Policies)
        {
            var stage = setup.Days == 1 ? $"replaying {setup.Day:yyyy-MM-dd}: {policy.Name}" : $"replaying {setup.Days} days from {setup.Day:yyyy-MM-dd}: {policy.Name}";
            results.Add(engine.Run(policy, trained, new Progress(progress, stage)));
        }

        return new ScenarioResult(setup.Name, setup.Description, setup.Day, setup.FocusHostId, setup.Options.EvaluationInterval, setup.Parameters, results, watch.Elapsed)
        {
            Days = setup.Days,
        };
    }

    private sealed class Progress(IProgress<ScenarioProgress>? inner, string stage) : IProgress<double>
    {
        private int _last = -1;

        public void Report(double value)
        {
            var percent = (int)(value * 100);
            if (inner is not null && percent != _last)
            {
                _last = percent;
                inner.Report(new ScenarioProgress(stage, value));
            }
        }
    }
}
