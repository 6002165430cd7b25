using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET4002: a root key that whoever reads the account's files can open (File, DPAPI), when the profile requires a
/// password. An AWS KMS key meets it: a copy of the store opens only with KMS's consent, which is what the password asks for.</summary>
internal sealed class StoreWithoutPasswordRule() : StoreRule(RuleId, "StoreWithoutPassword", ComplianceSeverity.High,
    "The store's root key is protected by neither a password nor an AWS KMS key, and the profile requires one (RequirePassword).",
    "Set a password with Set-EncKeyStore -Protection Password -Password.")
{
    public const string RuleId = "ET4002";

    public override void Check(StoreFacts store, ComplianceContext context)
    {
        if (!context.Profile.RequirePassword) return;
        if (store.Info is not { } info) context.Skip(store.Problem ?? "the store cannot be read", this);
        else if (!info.Exists) context.Skip($"there is no key store at '{store.Location}'", this);
        else if (info.Protection is not (StoreProtection.Password or StoreProtection.AwsKms))
            context.Report(this, ComplianceTargetKind.Store, store.Location,
                $"The key store's root key is protected by {info.Protection}, not a password or an AWS KMS key, and the profile requires one (RequirePassword).",
                SetStorePassword(context.StorePath));
    }

    public static Remediation SetStorePassword(string? storePath) =>
        new(ComplianceRemediations.Command("Set-EncKeyStore", storePath, ComplianceRemediations.Word("Protection", "Password"),
            RemediationArgument.Expression("Password", "(Read-Host -AsSecureString 'New store password')")));
}
