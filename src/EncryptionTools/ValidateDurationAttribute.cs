using System.Globalization;
using System.Management.Automation;

namespace EncryptionTools.Module;

/// <summary>A TimeSpan parameter's range, in whole seconds (ValidateRange does not compare TimeSpans).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateDurationAttribute(long minimumSeconds, long maximumSeconds) : ValidateArgumentsAttribute
{
    public long MinimumSeconds { get; } = minimumSeconds;
    public long MaximumSeconds { get; } = maximumSeconds;
    private TimeSpan Minimum => TimeSpan.FromSeconds(MinimumSeconds);
    private TimeSpan Maximum => TimeSpan.FromSeconds(MaximumSeconds);

    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        if (PSObjects.Unwrap(arguments) is not TimeSpan span)
            throw new ValidationMetadataException("The argument is not a duration.");
        if (span < Minimum || span > Maximum)
            throw new ValidationMetadataException(string.Create(CultureInfo.InvariantCulture,
                $"The duration {span:c} is outside the allowed range {Minimum:c} to {Maximum:c} ({Minimum.TotalSeconds} to {Maximum.TotalSeconds} seconds)."));
    }
}
