using System.Text.Json.Nodes;

namespace Prescient.Pipeline.Api.Settings;

/// <summary>Lists the settings that differ between two JSON objects, one line per setting: <c>path: old -> new</c>.</summary>
public static class SettingsDiff
{
    public static IReadOnlyList<string> Compute(string prefix, string? beforeJson, string? afterJson)
    {
        var old = Flatten(beforeJson, prefix);
        var now = Flatten(afterJson, prefix);
        var changes = new List<string>();
        foreach (var path in old.Keys.Union(now.Keys).Order(StringComparer.Ordinal))
        {
            var a = old.GetValueOrDefault(path);
            var b = now.GetValueOrDefault(path);
            if (!string.Equals(a, b, StringComparison.Ordinal))
            {
                changes.Add($"{path}: {a ?? "(inherit)"} -> {b ?? "(inherit)"}");
            }
        }

        return changes;
    }

    private static Dictionary<string, string> Flatten(string? json, string prefix)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(json))
        {
            Walk(JsonNode.Parse(json), prefix, values);
        }

        return values;
    }

    private static void Walk(JsonNode? node, string path, Dictionary<string, string> values)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count == 2 && obj.ContainsKey("low") && obj.ContainsKey("high"):
                values[path] = $"[{obj["low"]!.ToJsonString()}, {obj["high"]!.ToJsonString()}]";
                break;
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    Walk(child, path.Length == 0 ? key : $"{path}.{key}", values);
                }

                break;
            case null:
                break;
            default:
                values[path] = node.ToJsonString();
                break;
        }
    }
}
