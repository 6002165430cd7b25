using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>
/// One compliance rule: its catalog entry (id, name, severity, description, help) and, in the subclass, its check and
/// remediation. What a rule looks at (files, keys, aliases, policies, grants, the store) is the kind it derives from;
/// the engine feeds each kind its targets. A run makes its own rule objects, so a rule may keep state for one run.
/// </summary>
internal abstract class ComplianceRuleBase
{
    protected ComplianceRuleBase(string id, string name, ComplianceArea area, ComplianceSeverity severity, string description, string help) =>
        Info = new ComplianceRule(id, name, area, severity, description, help);

    public ComplianceRule Info { get; }

    public string Id => Info.Id;
}

/// <summary>A rule about one scanned file. The engine runs the message rules first, then (when the store's keys can be read) the key rules.</summary>
internal abstract class FileRule(string id, string name, ComplianceSeverity severity, string description, string help)
    : ComplianceRuleBase(id, name, ComplianceArea.Files, severity, description, help)
{
    /// <summary>True when the rule judges the file by the store's keys; it is not evaluated when they cannot be read.</summary>
    public virtual bool NeedsKeys => false;

    /// <summary>True when the rule judges the AWS KMS keys a file names: the engine then describes them (once per key per run).</summary>
    public virtual bool NeedsKmsKeys => false;

    public abstract void Check(ScannedFile file, ComplianceContext context);

    /// <summary>Runs once after the last file (a finding about the whole scan, such as a KMS endpoint that could not be reached).</summary>
    public virtual void Finish(ComplianceContext context) { }
}

/// <summary>
/// A key state that keeps a key version from opening a file. A file is reported by these rules (once per blocked key
/// version, in header order) only when no known key version can open it.
/// </summary>
internal abstract class FileKeyStateRule(string id, string name, ComplianceSeverity severity, string description, string help)
    : FileRule(id, name, severity, description, help)
{
    public override bool NeedsKeys => true;

    /// <summary>Whether this state blocks the version. Judged whether or not the rule is selected: a blocked version is never usable.</summary>
    public abstract bool Blocks(KeyVersionRef version, EncKey key);

    public abstract void ReportBlocked(ScannedFile file, KeyVersionRef version, EncKey key, ComplianceContext context);

    public sealed override void Check(ScannedFile file, ComplianceContext context) { }
}

/// <summary>A rule about one key of the store.</summary>
internal abstract class KeyRule(string id, string name, ComplianceSeverity severity, string description, string help)
    : ComplianceRuleBase(id, name, ComplianceArea.Keys, severity, description, help)
{
    /// <summary>True when the rule needs the files scanned first (it is not evaluated when no path was given).</summary>
    public virtual bool NeedsScannedFiles => false;

    public abstract void Check(EncKey key, ComplianceContext context);
}

/// <summary>A rule about one alias of the store (checked after every key).</summary>
internal abstract class AliasRule(string id, string name, ComplianceSeverity severity, string description, string help)
    : ComplianceRuleBase(id, name, ComplianceArea.Keys, severity, description, help)
{
    public abstract void Check(EncKeyAlias alias, ComplianceContext context);
}

/// <summary>A rule about one key's policy.</summary>
internal abstract class PolicyRule(string id, string name, ComplianceSeverity severity, string description, string help)
    : ComplianceRuleBase(id, name, ComplianceArea.Policies, severity, description, help)
{
    /// <summary>False for a rule that can judge a policy that does not parse, even when the store cannot list its keys because of it.</summary>
    public virtual bool NeedsParsedPolicy => true;

    public abstract void Check(KeyPolicyFacts policy, ComplianceContext context);
}

/// <summary>A rule about one grant; <see cref="Finish"/> runs once after the last grant.</summary>
internal abstract class GrantRule(string id, string name, ComplianceSeverity severity, string description, string help)
    : ComplianceRuleBase(id, name, ComplianceArea.Policies, severity, description, help)
{
    public abstract void Check(Grant grant, ComplianceContext context);

    public virtual void Finish(IReadOnlyList<Grant> grants, ComplianceContext context) { }
}

/// <summary>A rule about the store itself.</summary>
internal abstract class StoreRule(string id, string name, ComplianceSeverity severity, string description, string help)
    : ComplianceRuleBase(id, name, ComplianceArea.Store, severity, description, help)
{
    public abstract void Check(StoreFacts store, ComplianceContext context);
}

/// <summary>
/// A scanned file as the file rules see it. The key facts are set for a committing message when the store's keys
/// can be read: the store's key versions that made its data keys, the ones that can open it, and the blocked ones.
/// </summary>
internal sealed class ScannedFile(ScanEntry entry)
{
    public ScanEntry Entry { get; } = entry;
    public string Path => Entry.Path;
    public bool KeysKnown { get; init; }
    public IReadOnlyList<KeyVersionRef> Known { get; init; } = [];
    public IReadOnlyList<(KeyVersionRef Ref, EncKey Key)> Usable { get; init; } = [];
    public IReadOnlyList<(FileKeyStateRule Rule, KeyVersionRef Ref, EncKey Key)> Blocked { get; init; } = [];

    /// <summary>The AWS KMS keys its EDKs name and what KMS said of each (set when a selected rule needs them).</summary>
    public IReadOnlyList<KmsKeyFacts> Kms { get; init; } = [];
}

/// <summary>
/// One key's policy: its text and the parsed policy, or the problem that kept it from parsing. <see cref="Key"/> is
/// null when the store could not list its keys because of this policy.
/// </summary>
internal sealed record KeyPolicyFacts(string KeyId, string Described, EncKey? Key, string? Text, KeyPolicy? Policy, string? Problem);

/// <summary>The store's information, or why it could not be read.</summary>
internal sealed record StoreFacts(string Location, EncKeyStoreInfo? Info, string? Problem);
