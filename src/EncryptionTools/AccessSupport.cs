using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module;

/// <summary>Tab completion of grant ids: the grants of the key typed in -KeyId (or of every key), with their grantee and operations.</summary>
public sealed class EncGrantIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IReadOnlyList<Engine.Access.Grant> grants;
        try
        {
            var keyId = fakeBoundParameters?["KeyId"] as string;
            var catalog = CompletionStore.Open(fakeBoundParameters, commandName).PeekCatalog();
            if (string.IsNullOrWhiteSpace(keyId)) grants = catalog.Grants;
            else
            {
                var key = catalog.Keys.FirstOrDefault(k => k.KeyId.Equals(keyId, StringComparison.OrdinalIgnoreCase)
                    || k.Arn.Equals(keyId, StringComparison.OrdinalIgnoreCase) || k.Aliases.Contains(keyId, StringComparer.OrdinalIgnoreCase));
                grants = key is null ? [] : catalog.Grants.Where(g => g.KeyId == key.KeyId).ToList();
            }
        }
        catch (Exception ex) when (ex is EncryptionToolsException or IOException or UnauthorizedAccessException)
        {
            yield break; // a locked or missing store, or no right to list grants, completes nothing
        }
        var word = (wordToComplete ?? "").Trim('\'', '"');
        foreach (var grant in grants.Where(g => g.GrantId.StartsWith(word, StringComparison.OrdinalIgnoreCase)
                     || (g.Name ?? "").StartsWith(word, StringComparison.OrdinalIgnoreCase)))
            yield return new CompletionResult(grant.GrantId, Engine.UntrustedText.Neutralize(grant.Name ?? grant.GrantId[..12]), CompletionResultType.ParameterValue,
                Engine.UntrustedText.Neutralize($"{grant.GranteePrincipal}: {string.Join(", ", grant.Operations)} on {grant.KeyId}"));
    }
}

internal static class AccessArguments
{
    /// <summary>A hashtable of encryption context pairs; null stays null.</summary>
    public static Dictionary<string, string>? Context(Hashtable? table) => KeyQueries.ToTags(table);
}
