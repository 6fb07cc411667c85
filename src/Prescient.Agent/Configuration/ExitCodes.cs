namespace Prescient.Agent.Configuration;

/// <summary>Exit codes systemd understands (sysexits.h): the unit file does not restart on <see cref="Config"/>.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;

    /// <summary>EX_CONFIG: the configuration is wrong; restarting will not help.</summary>
    public const int Config = 78;
}
