using System.Text.Json;
using System.Text.Json.Serialization;

namespace Prescient.Hypervisor.Contract;

/// <summary>The contract's JSON: camelCase, enums as strings, every constructor parameter required, nulls only where allowed.</summary>
public static class HypervisorJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };
}
