using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Compliance;

/// <summary>A store file or directory that other users can reach, and the command that makes it owner-only.</summary>
public sealed record PermissionIssue(string Path, string Problem, RemediationCommand Fix);

/// <summary>
/// Everything the compliance engine reads about a key store. The engine never talks to a store directly, so each
/// rule can be tested against real objects, and a data source that is not available (null) or cannot be read (an
/// <see cref="EncryptionToolsException"/>) leaves its rules not evaluated, with the reason.
/// </summary>
public interface IComplianceSource
{
    /// <summary>The store's location (display, and the target of store findings).</summary>
    string Location { get; }

    EncKeyStoreInfo GetStoreInfo();

    /// <summary>Every key (throws an <see cref="EncryptionToolsException"/> when the store cannot be read, e.g. locked).</summary>
    IReadOnlyList<EncKey> GetKeys();

    IReadOnlyList<EncKeyAlias> GetAliases();

    /// <summary>The key's policy document (JSON text; the rendered default policy for a key without one).</summary>
    string GetKeyPolicy(EncKey key);

    /// <summary>
    /// Every grant of the store; null when this source cannot list grants. Throws an <see cref="EncryptionToolsException"/>
    /// when the store cannot be read (the grant rules are then not evaluated, with its message as the reason).
    /// </summary>
    IReadOnlyList<Grant>? GetGrants();

    /// <summary>
    /// The audit log's verification; null when there is no audit log to verify. Throws an <see cref="EncryptionToolsException"/>
    /// when the log cannot be verified (a locked store: its audit key comes from the root key).
    /// </summary>
    AuditVerification? VerifyAuditLog();

    /// <summary>Store paths open to other users (empty when none); null when this cannot be checked here.</summary>
    IReadOnlyList<PermissionIssue>? CheckPermissions();

    /// <summary>Which key and version of the store made an encrypted data key; null when none did.</summary>
    KeyVersionRef? Identify(EncryptedDataKey edk);

    /// <summary>Whether an account or group exists: true, false, or null when that cannot be known here.</summary>
    bool? PrincipalExists(Principal principal);
}
