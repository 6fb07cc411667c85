namespace Prescient.Pipeline.Api.Settings;

/// <summary>
/// The stored settings document with optimistic concurrency. A save names the ETag it was based on and writes the
/// document and its audit entry together (both or neither); a stale ETag saves nothing.
/// </summary>
public interface ISettingsRepository
{
    /// <summary>The ETag of "nothing stored yet": a save based on it creates the document.</summary>
    public const string InitialETag = "\"initial\"";

    /// <summary>The current document, or <see cref="SettingsDocument.Defaults"/> with <see cref="InitialETag"/> before the first save.</summary>
    Task<VersionedSettings> GetAsync(CancellationToken cancellationToken);

    Task<SettingsSaveResult> TryReplaceAsync(
        SettingsDocument document, string expectedETag, SettingsAuditEntry audit, CancellationToken cancellationToken);

    /// <summary>The audit trail, newest first.</summary>
    Task<IReadOnlyList<SettingsAuditEntry>> GetAuditAsync(int limit, CancellationToken cancellationToken);
}
