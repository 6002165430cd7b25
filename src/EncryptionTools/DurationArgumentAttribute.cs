using System.Globalization;
using System.Management.Automation;

namespace EncryptionTools.Module;

/// <summary>
/// Binds a duration the way people write it: a TimeSpan, a TimeSpan string ('00:15:00', '1.00:00:00'), or a number of
/// seconds (900, '900'). PowerShell alone would read 900 as 900 ticks and '900' as 900 days.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class DurationArgumentAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData) => ToDuration(inputData);

    internal static TimeSpan ToDuration(object? input)
    {
        switch (PSObjects.Unwrap(input))
        {
            case TimeSpan span:
                return span;
            case int or long or short or byte or uint or ulong or ushort or sbyte:
                return Seconds(Convert.ToDouble(PSObjects.Unwrap(input), CultureInfo.InvariantCulture));
            case double or float or decimal:
                return Seconds(Convert.ToDouble(PSObjects.Unwrap(input), CultureInfo.InvariantCulture));
            case string text:
                var trimmed = text.Trim();
                if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)) return Seconds(seconds);
                if (trimmed.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var parsed)) return parsed;
                throw new ArgumentTransformationMetadataException(
                    $"'{Engine.UntrustedText.Neutralize(text, 64)}' is not a duration: give seconds (900) or a TimeSpan ('00:15:00').");
            default:
                throw new ArgumentTransformationMetadataException(
                    $"A {PSObjects.Unwrap(input)?.GetType().Name ?? "null"} is not a duration: give seconds (900) or a TimeSpan ('00:15:00').");
        }
    }

    private static TimeSpan Seconds(double seconds) =>
        double.IsFinite(seconds) && Math.Abs(seconds) <= TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentTransformationMetadataException($"{seconds.ToString(CultureInfo.InvariantCulture)} seconds is not a duration this module accepts.");
}
