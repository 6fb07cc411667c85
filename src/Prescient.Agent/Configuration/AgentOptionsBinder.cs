using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Prescient.Agent.Configuration;

/// <summary>
/// Binds the <c>Agent</c> section strictly: an unknown key (a typo) or a value of the wrong type is an
/// <see cref="AgentConfigurationException"/> naming the full setting path, instead of a silently ignored default.
/// </summary>
internal static class AgentOptionsBinder
{
    public static void Bind(IConfiguration configuration, AgentOptions options)
    {
        var section = configuration.GetSection(AgentOptions.SectionName);
        CheckKnownKeys(section, typeof(AgentOptions));
        try
        {
            section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException exception)
        {
            // The binder's message names the path: "Failed to convert configuration value at 'Agent:SampleInterval' ...".
            throw new AgentConfigurationException(Describe(section, exception), exception);
        }
    }

    private static string Describe(IConfigurationSection section, InvalidOperationException exception)
    {
        foreach (var child in section.AsEnumerable())
        {
            if (child.Value is not null && exception.Message.Contains($"'{child.Key}'", StringComparison.OrdinalIgnoreCase))
            {
                // Name the setting and the expected type; the value itself is not repeated (it could be a secret).
                var path = CanonicalPath(child.Key);
                return $"Invalid value for setting '{path}': {FirstSentence(exception.Message, path)}";
            }
        }

        return $"Invalid configuration in section '{section.Path}': {exception.Message}";
    }

    /// <summary>A setting path as the options spell it (environment variables arrive upper-cased).</summary>
    private static string CanonicalPath(string path)
    {
        var parts = path.Split(':');
        var type = typeof(AgentOptions);
        var result = new List<string> { AgentOptions.SectionName };
        foreach (var part in parts.Skip(1))
        {
            var property = type?.GetProperty(part, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            result.Add(property?.Name ?? part);
            type = property?.PropertyType;
        }

        return string.Join(':', result);
    }

    private static string FirstSentence(string message, string key)
    {
        var typeIndex = message.IndexOf("to type '", StringComparison.Ordinal);
        if (typeIndex < 0)
        {
            return message;
        }

        var end = message.IndexOf('\'', typeIndex + 9);
        var typeName = end > 0 ? message[(typeIndex + 9)..end] : message[(typeIndex + 9)..];
        var shortName = typeName[(typeName.LastIndexOf('.') + 1)..];
        var expected = shortName switch
        {
            "TimeSpan" => "a duration such as 00:00:05",
            "Int32" or "Int64" => "a whole number",
            "Boolean" => "true or false",
            "Uri" => "an absolute URI",
            nameof(TransportKind) => "one of " + string.Join(", ", Enum.GetNames<TransportKind>().Where(n => n != nameof(TransportKind.None))),
            nameof(CredentialKind) => "one of " + string.Join(", ", Enum.GetNames<CredentialKind>()),
            _ => "a value of type " + shortName,
        };
        return $"expected {expected} ('{key}' could not be read as {shortName}).";
    }

    private static void CheckKnownKeys(IConfigurationSection section, Type type)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite || (p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>)))
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                throw new AgentConfigurationException(
                    $"Unknown setting '{child.Path}'. Known settings in '{section.Path}': {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))}.");
            }

            var propertyType = property.PropertyType;
            var map = propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>) ? propertyType.GetGenericArguments()[1] : null;
            var isList = propertyType.IsArray || (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(IReadOnlyList<>));
            var isNested = propertyType.IsClass && propertyType != typeof(string) && propertyType != typeof(Uri) && !isList;
            if (map is not null)
            {
                // A map: any key; a value that is itself a settings class is checked like a section.
                if (map.IsClass && map != typeof(string) && map != typeof(Uri))
                {
                    foreach (var entry in child.GetChildren())
                    {
                        CheckKnownKeys(entry, map);
                    }
                }
            }
            else if (isList)
            {
                // A list: children 0, 1, ... each a single value.
            }
            else if (isNested)
            {
                CheckKnownKeys(child, propertyType);
            }
            else if (child.GetChildren().Any())
            {
                throw new AgentConfigurationException($"Setting '{child.Path}' takes a single value, not a section.");
            }
        }
    }
}
