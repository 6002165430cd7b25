namespace EncryptionTools.Engine.Access;

internal static class GrantOperations
{
    /// <summary>"kms:Decrypt" for <see cref="GrantOperation.Decrypt"/>.</summary>
    public static string ToAction(this GrantOperation operation) => "kms:" + operation;

    /// <summary>The grant operation for a kms: action, or null when no grant can allow that action.</summary>
    public static GrantOperation? FromAction(string action)
    {
        if (!action.StartsWith("kms:", StringComparison.OrdinalIgnoreCase)) return null;
        return Enum.TryParse<GrantOperation>(action[4..], ignoreCase: true, out var op) && Enum.IsDefined(op) && !char.IsDigit(action[4]) ? op : null;
    }

    /// <summary>Parses "Decrypt" or "kms:Decrypt" in any case.</summary>
    public static GrantOperation Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var name = text.StartsWith("kms:", StringComparison.OrdinalIgnoreCase) ? text : "kms:" + text;
        return FromAction(name) ?? throw new InvalidGrantException(
            $"'{text}' is not a grant operation. Use one of: {string.Join(", ", Enum.GetNames<GrantOperation>())}.");
    }

    /// <summary>Operations a constrained grant may include although the constraint does not apply to them (as in KMS).</summary>
    public static bool IgnoresConstraints(GrantOperation op) => op is GrantOperation.DescribeKey or GrantOperation.RetireGrant or GrantOperation.CreateGrant;
}
