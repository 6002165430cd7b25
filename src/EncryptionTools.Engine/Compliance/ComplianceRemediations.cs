using System.Text;
using EncryptionTools.Engine.Access;

namespace EncryptionTools.Engine.Compliance;

/// <summary>
/// Every command line a finding's Remediation holds. The engine builds remediations only here, so that a test can render
/// each one (by reflection, with sample arguments) and check its cmdlet and parameter names against the compiled
/// cmdlets. <c>storePath</c> everywhere: the -StorePath the user gave (appended), or null.
/// </summary>
internal static class ComplianceRemediations
{
    private static string Q(string text) => ComplianceEngine.Quote(text);
    private static string A(string text) => ComplianceEngine.Arg(text);
    private static string S(string? storePath) => string.IsNullOrEmpty(storePath) ? "" : " -StorePath " + Q(storePath);

    /// <summary>Protect-File in place with the profile's key and every required context key (existing pairs kept).</summary>
    public static string ProtectFile(string path, string? keyId, IReadOnlyDictionary<string, string>? existingContext,
        IReadOnlyList<string> requiredContextKeys, string? storePath)
    {
        var sb = new StringBuilder("Protect-File -LiteralPath ").Append(Q(path)).Append(" -InPlace");
        if (keyId is not null) sb.Append(" -KeyId ").Append(A(keyId));
        var pairs = new List<string>();
        if (existingContext is not null)
            pairs.AddRange(existingContext.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{Q(p.Key)} = {Q(p.Value)}"));
        foreach (var k in requiredContextKeys)
            if (existingContext is null || !existingContext.ContainsKey(k)) pairs.Add($"{Q(k)} = '<value>'");
        if (pairs.Count > 0) sb.Append(" -EncryptionContext @{ ").Append(string.Join("; ", pairs)).Append(" }");
        return sb.Append(S(storePath)).ToString();
    }

    /// <summary>ET1008: decrypt in place, then encrypt again with the required context keys.</summary>
    public static string ReEncryptWithContext(string path, string? keyId, IReadOnlyDictionary<string, string> existingContext,
        IReadOnlyList<string> requiredContextKeys, string? storePath) =>
        $"Unprotect-File -LiteralPath {Q(path)} -InPlace{S(storePath)}; {ProtectFile(path, keyId, existingContext, requiredContextKeys, storePath)}";

    public static string InspectFile(string path) => $"Get-EncFileInfo -LiteralPath {Q(path)}";

    /// <summary>ET1002 for a file made by another store's key: check it against that store.</summary>
    public static string CheckAgainstOtherStore(string path, string keyId) =>
        $"Test-EncryptionCompliance -LiteralPath {Q(path)} -StorePath '<the store that holds key {keyId}>'";

    public static string ImportWrappingKey(string keyNamespace, string keyName, string? storePath) =>
        $"Import-EncKey -KeyNamespace {Q(keyNamespace)} -KeyName {Q(keyName)} -KeyMaterialBase64 '<the wrapping key, base64>'{S(storePath)}";

    public static string RestoreKey(string keyId, string? storePath) => $"Restore-EncKey -KeyId {A(keyId)}{S(storePath)}";

    public static string EnableKey(string keyId, string? storePath) => $"Enable-EncKey -KeyId {A(keyId)}{S(storePath)}";

    public static string LowerMinimumDecryptionVersion(string keyId, int version, string? storePath) =>
        $"Set-EncKey -KeyId {A(keyId)} -MinimumDecryptionVersion {version}{S(storePath)}";

    public static string RewrapFile(string path, string keyId, string? storePath) =>
        $"Update-EncFileKey -LiteralPath {Q(path)} -KeyId {A(keyId)}{S(storePath)}";

    public static string EnableRotation(string keyId, string? storePath) => $"Set-EncKey -KeyId {A(keyId)} -RotationEnabled $true{S(storePath)}";

    public static string RotateKey(string keyId, bool enableFirst, string? storePath) =>
        (enableFirst ? EnableKey(keyId, storePath) + "; " : "") + $"Invoke-EncKeyRotation -KeyId {A(keyId)}{S(storePath)}";

    /// <summary>ET2005: a key cannot be made non-exportable; move its files to a new key and remove it.</summary>
    public static string ReplaceExportableKey(string keyId, string? storePath) =>
        $"New-EncKey -Description {Q("Replaces " + keyId)}{S(storePath)}; "
        + $"Update-EncFileKey -LiteralPath '<files under {keyId}>' -KeyId '<the new key>'{S(storePath)}; Remove-EncKey -KeyId {A(keyId)}{S(storePath)}";

    public static string RemoveAlias(string aliasName, string? storePath) => $"Remove-EncKeyAlias -AliasName {A(aliasName)}{S(storePath)}";

    /// <summary>ET3001: the policy without the statement that allows '*' (given in full when it could be computed).</summary>
    public static string ReplacePolicy(string keyId, string? policy, string? storePath) =>
        $"Set-EncKeyPolicy -KeyId {A(keyId)} -Policy {(policy is null ? "'<the policy without that statement>'" : Q(policy))}{S(storePath)}";

    public static string ReplaceInvalidPolicy(string keyId, string? storePath) =>
        $"Set-EncKeyPolicy -KeyId {A(keyId)} -Policy '<a valid policy document>'{S(storePath)}";

    public static string RevokeGrant(string keyId, string grantId, string? storePath) =>
        $"Revoke-EncKeyAccess -KeyId {A(keyId)} -GrantId {grantId}{S(storePath)}";

    /// <summary>ET3002: revoke, then grant the same operations again under an encryption context constraint.</summary>
    public static string RegrantWithConstraint(string keyId, string grantId, string grantee, IReadOnlyList<GrantOperation> operations,
        IReadOnlyList<string> requiredContextKeys, string? storePath)
    {
        var pairs = requiredContextKeys.Count > 0
            ? string.Join("; ", requiredContextKeys.Select(k => $"{Q(k)} = '<value>'"))
            : "'<key>' = '<value>'";
        return $"{RevokeGrant(keyId, grantId, storePath)}; Grant-EncKeyAccess -KeyId {A(keyId)} -Grantee {Q(grantee)} "
            + $"-Operation {string.Join(",", operations)} -EncryptionContextSubset @{{ {pairs} }}{S(storePath)}";
    }

    public static string SetStorePassword(string? storePath) =>
        $"Set-EncKeyStore -Protection Password -Password (Read-Host -AsSecureString 'New store password'){S(storePath)}";

    public static string TestAuditLog(string? storePath) => $"Test-EncAuditLog{S(storePath)}";
}
