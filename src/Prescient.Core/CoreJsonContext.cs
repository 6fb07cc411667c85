using System.Text.Json;
using System.Text.Json.Serialization;
using Prescient.Core.Controller;
using Prescient.Core.Network;

namespace Prescient.Core;

/// <summary>Source-generated JSON for the Core's saved forms.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, WriteIndented = false)]
[JsonSerializable(typeof(PredictorSnapshot))]
[JsonSerializable(typeof(ControllerState))]
internal sealed partial class CoreJsonContext : JsonSerializerContext;
