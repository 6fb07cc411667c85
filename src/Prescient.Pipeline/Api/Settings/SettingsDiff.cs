using System.Text.Json;
using System.Text.Json.Nodes;

namespace Prescient.Pipeline.Api.Settings;

/// <summary>Lists the settings that differ between two documents, one line per setting: <c>path: old -> new</c>.</summary>
public static class SettingsDiff
{
    public static IReadOnlyList<string> Compute(SettingsDocument before, SettingsDocument after)
    {
        var old = Flatten(before);
        var now = Flatten(after);
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

    private static Dictionary<string, string> Flatten(SettingsDocument document)
    {
        var node = JsonSerializer.SerializeToNode(document, ApiJson.Options);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(node, "", values);
        return values;
    }

    private static void Walk(JsonNode? node, string path, Dictionary<string, string> values)
    {
        switch (node)
        {
            case JsonObject obj when obj.ContainsKey("low") && obj.ContainsKey("high") && obj.Count == 2:
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
