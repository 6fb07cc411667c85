using System.Text.RegularExpressions;

namespace Prescient.Infra.Tests;

/// <summary>Reads the parts of the Bicep sources the tests need, without the Bicep CLI.</summary>
internal static partial class BicepText
{
    public const string FunctionAppFile = "infra/app/function-app.bicep";

    /// <summary>
    /// The Function App's settings: the <c>var appSettings = { ... }</c> block between the BEGIN/END markers of
    /// infra/app/function-app.bicep, as name to Bicep expression. Any line in the block that is not a plain
    /// <c>Name: expression</c> (a spread, a nested object, a conditional) fails, so the parse cannot silently miss one.
    /// </summary>
    public static IReadOnlyDictionary<string, string> FunctionAppSettings()
    {
        var lines = RepoFiles.Read(FunctionAppFile).Split('\n');
        var begin = Array.FindIndex(lines, l => l.Contains("// BEGIN appSettings", StringComparison.Ordinal));
        var end = Array.FindIndex(lines, l => l.Contains("// END appSettings", StringComparison.Ordinal));
        if (begin < 0 || end < begin)
        {
            throw new InvalidOperationException($"{FunctionAppFile}: the // BEGIN appSettings ... // END appSettings markers are missing.");
        }

        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        var body = lines[(begin + 1)..end].Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal)).ToList();
        if (body.Count < 2 || body[0] != "var appSettings = {" || body[^1] != "}")
        {
            throw new InvalidOperationException($"{FunctionAppFile}: expected `var appSettings = {{` ... `}}` between the markers.");
        }

        foreach (var line in body[1..^1])
        {
            var match = SettingLine().Match(line);
            if (!match.Success)
            {
                throw new InvalidOperationException($"{FunctionAppFile}: not a plain `Name: expression` setting line: {line}");
            }

            if (!settings.TryAdd(match.Groups[1].Value, match.Groups[2].Value.Trim()))
            {
                throw new InvalidOperationException($"{FunctionAppFile}: setting {match.Groups[1].Value} is set twice.");
            }
        }

        return settings;
    }

    /// <summary>Parameters declared by a Bicep file: name to whether it has a default value.</summary>
    public static IReadOnlyDictionary<string, bool> Parameters(string relative) =>
        ParamLine().Matches(RepoFiles.Read(relative))
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Success, StringComparer.Ordinal);

    /// <summary>Outputs declared by a Bicep file.</summary>
    public static IReadOnlyList<string> Outputs(string relative) =>
        OutputLine().Matches(RepoFiles.Read(relative)).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(\S.*)$")]
    private static partial Regex SettingLine();

    [GeneratedRegex(@"^param\s+([A-Za-z_][A-Za-z0-9_]*)\s+[A-Za-z]+(\s*=)?", RegexOptions.Multiline)]
    private static partial Regex ParamLine();

    [GeneratedRegex(@"^output\s+([A-Za-z_][A-Za-z0-9_]*)\s", RegexOptions.Multiline)]
    private static partial Regex OutputLine();
}
