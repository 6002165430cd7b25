namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>
/// Every compliance rule, in id order. The one list the engine, the catalog (<see cref="ComplianceRules.All"/>), SARIF
/// and the completers read: a new rule is its class in this folder plus one line here. An explicit list, not
/// reflection, so the Native AOT CLI keeps every rule.
/// </summary>
internal static class ComplianceRuleRegistry
{
    /// <summary>New rule objects for one run (a rule may keep state for the run it belongs to).</summary>
    public static IReadOnlyList<ComplianceRuleBase> Create() =>
    [
        new FileNotEncryptedRule(),
        new FileKeyUnknownRule(),
        new FileKeyDisabledRule(),
        new FileKeyPendingDeletionRule(),
        new FileKeyVersionRetiredRule(),
        new FileNonCommittingSuiteRule(),
        new FileFormatV1Rule(),
        new FileContextMissingKeysRule(),
        new FileKeyVersionTooOldRule(),
        new FileUnreadableRule(),
        new FileKmsKeyDisabledRule(),
        new FileKmsKeyPendingDeletionRule(),
        new FileKmsKeyUnavailableRule(),
        new FileKmsKeysNotCheckedRule(),
        new FileRecoveryKeyMissingRule(),

        new KeyRotationDisabledRule(),
        new KeyRotationOverdueRule(),
        new KeyPendingDeletionInUseRule(),
        new AliasDanglingRule(),
        new KeyExportableRule(),
        new KeyTooOldRule(),

        new PolicyPublicDecryptRule(),
        new GrantWithoutConstraintsRule(),
        new GrantPrincipalMissingRule(),
        new PolicyInvalidRule(),

        new StorePermissionsOpenRule(),
        new StoreWithoutPasswordRule(),
        new AuditLogBrokenRule(),
    ];
}
