// Generated table (captured output, not hand-written): the part of `qemu-system-s390x -cpu
// help` (QEMU 7.2, Debian's 7.2.22 build, test/vmm/options/fixtures) after the CPU models:
// the recognized feature flags and feature groups, each list after its heading.

export const CPU_HELP_FEATURES = `
Recognized feature flags:
esan3                Instructions marked as n3
zarch                z/Architecture architectural mode
dateh                DAT-enhancement facility
idtes                IDTE selective TLB segment-table clearing
idter                IDTE selective TLB region-table clearing
asnlxr               ASN-and-LX reuse facility
stfle                Store-facility-list-extended facility
edat                 Enhanced-DAT facility
srs                  Sense-running-status facility
csske                Conditional-SSKE facility
ctop                 Configuration-topology facility
apqci                Query AP Configuration Information facility
ipter                IPTE-range facility
nonqks               Nonquiescing key-setting facility
apft                 AP Facilities Test facility
etf2                 Extended-translation facility 2
msa-base             Message-security-assist facility (excluding subfunctions)
ldisp                Long-displacement facility
ldisphp              Long-displacement facility has high performance
hfpm                 HFP-multiply-add/subtract facility
eimm                 Extended-immediate facility
etf3                 Extended-translation facility 3
hfpue                HFP-unnormalized-extension facility
etf2eh               ETF2-enhancement facility
stckf                Store-clock-fast facility
parseh               Parsing-enhancement facility
mvcos                Move-with-optional-specification facility
tods-base            TOD-clock-steering facility (excluding subfunctions)
etf3eh               ETF3-enhancement facility
ectg                 Extract-CPU-time facility
csst                 Compare-and-swap-and-store facility
csst2                Compare-and-swap-and-store facility 2
ginste               General-instructions-extension facility
exrl                 Execute-extensions facility
emon                 Enhanced-monitor facility
fpe                  Floating-point extension facility
opc                  Order Preserving Compression facility
sprogp               Set-program-parameters facility
fpseh                Floating-point-support-enhancement facilities
dfp                  DFP (decimal-floating-point) facility
dfphp                DFP (decimal-floating-point) facility has high performance
pfpo                 PFPO instruction
stfle45              Various facilities introduced with z196
cmpsceh              CMPSC-enhancement facility
dfpzc                Decimal-floating-point zoned-conversion facility
stfle49              Various facilities introduced with zEC12
cte                  Constrained transactional-execution facility
ltlbc                Local-TLB-clearing facility
iacc2                Interlocked-access facility 2
stfle53              Various facilities introduced with z13
eec                  Entropy encoding compression facility
msa5-base            Message-security-assist-extension-5 facility (excluding subfunctions)
minste2              Miscellaneous-instruction-extensions facility 2
sema                 Semaphore-assist facility
tsi                  Time-slice Instrumentation facility
minste3              Miscellaneous-Instruction-Extensions Facility 3
ri                   CPU runtime-instrumentation facility
apqi                 AP-Queue interruption facility
zpci                 z/PCI facility
aen                  General-purpose-adapter-event-notification facility
ais                  General-purpose-adapter-interruption-suppression facility
te                   Transactional-execution facility
sthyi                Store-hypervisor-information facility
aefsi                Access-exception-fetch/store-indication facility
msa3-base            Message-security-assist-extension-3 facility (excluding subfunctions)
msa4-base            Message-security-assist-extension-4 facility (excluding subfunctions)
edat2                Enhanced-DAT facility 2
dfppc                Decimal-floating-point packed-conversion facility
ppa15                PPA15 is installed
bpb                  Branch prediction blocking
vx                   Vector facility
iep                  Instruction-execution-protection facility
sea_esop2            Side-effect-access facility and Enhanced-suppression-on-protection facility 2
gs                   Guarded-storage facility
vxpd                 Vector packed decimal facility
vxeh                 Vector enhancements facility
mepoch               Multiple-epoch facility
els                  Extended-length SCCB facility
tpei                 Test-pending-external-interruption facility
irbm                 Insert-reference-bits-multiple facility
msa8-base            Message-security-assist-extension-8 facility (excluding subfunctions)
cmmnt                CMM: ESSA-enhancement (no translate) facility
vxeh2                Vector Enhancements facility 2
esort-base           Enhanced-sort facility (excluding subfunctions)
deflate-base         Deflate-conversion facility (excluding subfunctions)
vxpdeh               Vector-Packed-Decimal-Enhancement Facility
msa9-base            Message-security-assist-extension-9 facility (excluding subfunctions)
etoken               Etoken facility
unpack               Unpack facility
nnpa                 NNPA facility
vxpdeh2              Vector-Packed-Decimal-Enhancement facility 2
beareh               BEAR-enhancement facility
rdp                  Reset-DAT-protection facility
pai                  Processor-Activity-Instrumentation facility
paie                 Processor-Activity-Instrumentation extension-1
gsls                 SIE: Guest-storage-limit-suppression facility
esop                 Enhanced-suppression-on-protection facility
hpma2                Host page management assist 2 Facility
kss                  SIE: Keyless-subset facility
64bscao              SIE: 64-bit-SCAO facility
cmma                 SIE: Collaborative-memory-management assist
pfmfi                SIE: PFMF interpretation facility
ibs                  SIE: Interlock-and-broadcast-suppression facility
diag318              Control program name and version codes
sief2                SIE: interception format 2 (Virtual SIE)
skey                 SIE: Storage-key facility
gpereh               SIE: Guest-PER enhancement facility
siif                 SIE: Shared IPTE-interlock facility
sigpif               SIE: SIGP interpretation facility
ib                   SIE: Intervention bypass facility
cei                  SIE: Conditional-external-interception facility
dateh2               DAT-enhancement facility 2
cmm                  Collaborative-memory-management facility
ap                   AP instructions installed
plo-cl               PLO Compare and load (32 bit in general registers)
plo-clg              PLO Compare and load (64 bit in parameter list)
plo-clgr             PLO Compare and load (32 bit in general registers)
plo-clx              PLO Compare and load (128 bit in parameter list)
plo-cs               PLO Compare and swap (32 bit in general registers)
plo-csg              PLO Compare and swap (64 bit in parameter list)
plo-csgr             PLO Compare and swap (32 bit in general registers)
plo-csx              PLO Compare and swap (128 bit in parameter list)
plo-dcs              PLO Double compare and swap (32 bit in general registers)
plo-dcsg             PLO Double compare and swap (64 bit in parameter list)
plo-dcsgr            PLO Double compare and swap (32 bit in general registers)
plo-dcsx             PLO Double compare and swap (128 bit in parameter list)
plo-csst             PLO Compare and swap and store (32 bit in general registers)
plo-csstg            PLO Compare and swap and store (64 bit in parameter list)
plo-csstgr           PLO Compare and swap and store (32 bit in general registers)
plo-csstx            PLO Compare and swap and store (128 bit in parameter list)
plo-csdst            PLO Compare and swap and double store (32 bit in general registers)
plo-csdstg           PLO Compare and swap and double store (64 bit in parameter list)
plo-csdstgr          PLO Compare and swap and double store (32 bit in general registers)
plo-csdstx           PLO Compare and swap and double store (128 bit in parameter list)
plo-cstst            PLO Compare and swap and triple store (32 bit in general registers)
plo-cststg           PLO Compare and swap and triple store (64 bit in parameter list)
plo-cststgr          PLO Compare and swap and triple store (32 bit in general registers)
plo-cststx           PLO Compare and swap and triple store (128 bit in parameter list)
ptff-qto             PTFF Query TOD Offset
ptff-qsi             PTFF Query Steering Information
ptff-qpc             PTFF Query Physical Clock
ptff-qui             PTFF Query UTC Information
ptff-qtou            PTFF Query TOD Offset User
ptff-qsie            PTFF Query Steering Information Extended
ptff-qtoue           PTFF Query TOD Offset User Extended
ptff-sto             PTFF Set TOD Offset
ptff-stou            PTFF Set TOD Offset User
ptff-stoe            PTFF Set TOD Offset Extended
ptff-stoue           PTFF Set TOD Offset User Extended
kmac-dea             KMAC DEA
kmac-tdea-128        KMAC TDEA-128
kmac-tdea-192        KMAC TDEA-192
kmac-edea            KMAC Encrypted-DEA
kmac-etdea-128       KMAC Encrypted-TDEA-128
kmac-etdea-192       KMAC Encrypted-TDEA-192
kmac-aes-128         KMAC AES-128
kmac-aes-192         KMAC AES-192
kmac-aes-256         KMAC AES-256
kmac-eaes-128        KMAC Encrypted-AES-128
kmac-eaes-192        KMAC Encrypted-AES-192
kmac-eaes-256        KMAC Encrypted-AES-256
kmc-dea              KMC DEA
kmc-tdea-128         KMC TDEA-128
kmc-tdea-192         KMC TDEA-192
kmc-edea             KMC Encrypted-DEA
kmc-etdea-128        KMC Encrypted-TDEA-128
kmc-etdea-192        KMC Encrypted-TDEA-192
kmc-aes-128          KMC AES-128
kmc-aes-192          KMC AES-192
kmc-aes-256          KMC AES-256
kmc-eaes-128         KMC Encrypted-AES-128
kmc-eaes-192         KMC Encrypted-AES-192
kmc-eaes-256         KMC Encrypted-AES-256
kmc-prng             KMC PRNG
km-dea               KM DEA
km-tdea-128          KM TDEA-128
km-tdea-192          KM TDEA-192
km-edea              KM Encrypted-DEA
km-etdea-128         KM Encrypted-TDEA-128
km-etdea-192         KM Encrypted-TDEA-192
km-aes-128           KM AES-128
km-aes-192           KM AES-192
km-aes-256           KM AES-256
km-eaes-128          KM Encrypted-AES-128
km-eaes-192          KM Encrypted-AES-192
km-eaes-256          KM Encrypted-AES-256
km-xts-aes-128       KM XTS-AES-128
km-xts-aes-256       KM XTS-AES-256
km-xts-eaes-128      KM XTS-Encrypted-AES-128
km-xts-eaes-256      KM XTS-Encrypted-AES-256
kimd-sha-1           KIMD SHA-1
kimd-sha-256         KIMD SHA-256
kimd-sha-512         KIMD SHA-512
kimd-sha3-224        KIMD SHA3-224
kimd-sha3-256        KIMD SHA3-256
kimd-sha3-384        KIMD SHA3-384
kimd-sha3-512        KIMD SHA3-512
kimd-shake-128       KIMD SHAKE-128
kimd-shake-256       KIMD SHAKE-256
kimd-ghash           KIMD GHASH
klmd-sha-1           KLMD SHA-1
klmd-sha-256         KLMD SHA-256
klmd-sha-512         KLMD SHA-512
klmd-sha3-224        KLMD SHA3-224
klmd-sha3-256        KLMD SHA3-256
klmd-sha3-384        KLMD SHA3-384
klmd-sha3-512        KLMD SHA3-512
klmd-shake-128       KLMD SHAKE-128
klmd-shake-256       KLMD SHAKE-256
pckmo-edea           PCKMO Encrypted-DEA-Key
pckmo-etdea-128      PCKMO Encrypted-TDEA-128-Key
pckmo-etdea-192      PCKMO Encrypted-TDEA-192-Key
pckmo-aes-128        PCKMO Encrypted-AES-128-Key
pckmo-aes-192        PCKMO Encrypted-AES-192-Key
pckmo-aes-256        PCKMO Encrypted-AES-256-Key
pckmo-ecc-p256       PCKMO Encrypt-ECC-P256-Key
pckmo-ecc-p384       PCKMO Encrypt-ECC-P384-Key
pckmo-ecc-p521       PCKMO Encrypt-ECC-P521-Key
pckmo-ecc-ed25519    PCKMO Encrypt-ECC-Ed25519-Key
pckmo-ecc-ed448      PCKMO Encrypt-ECC-Ed448-Key
kmctr-dea            KMCTR DEA
kmctr-tdea-128       KMCTR TDEA-128
kmctr-tdea-192       KMCTR TDEA-192
kmctr-edea           KMCTR Encrypted-DEA
kmctr-etdea-128      KMCTR Encrypted-TDEA-128
kmctr-etdea-192      KMCTR Encrypted-TDEA-192
kmctr-aes-128        KMCTR AES-128
kmctr-aes-192        KMCTR AES-192
kmctr-aes-256        KMCTR AES-256
kmctr-eaes-128       KMCTR Encrypted-AES-128
kmctr-eaes-192       KMCTR Encrypted-AES-192
kmctr-eaes-256       KMCTR Encrypted-AES-256
kmf-dea              KMF DEA
kmf-tdea-128         KMF TDEA-128
kmf-tdea-192         KMF TDEA-192
kmf-edea             KMF Encrypted-DEA
kmf-etdea-128        KMF Encrypted-TDEA-128
kmf-etdea-192        KMF Encrypted-TDEA-192
kmf-aes-128          KMF AES-128
kmf-aes-192          KMF AES-192
kmf-aes-256          KMF AES-256
kmf-eaes-128         KMF Encrypted-AES-128
kmf-eaes-192         KMF Encrypted-AES-192
kmf-eaes-256         KMF Encrypted-AES-256
kmo-dea              KMO DEA
kmo-tdea-128         KMO TDEA-128
kmo-tdea-192         KMO TDEA-192
kmo-edea             KMO Encrypted-DEA
kmo-etdea-128        KMO Encrypted-TDEA-128
kmo-etdea-192        KMO Encrypted-TDEA-192
kmo-aes-128          KMO AES-128
kmo-aes-192          KMO AES-192
kmo-aes-256          KMO AES-256
kmo-eaes-128         KMO Encrypted-AES-128
kmo-eaes-192         KMO Encrypted-AES-192
kmo-eaes-256         KMO Encrypted-AES-256
pcc-cmac-dea         PCC Compute-Last-Block-CMAC-Using-DEA
pcc-cmac-tdea-128    PCC Compute-Last-Block-CMAC-Using-TDEA-128
pcc-cmac-tdea-192    PCC Compute-Last-Block-CMAC-Using-TDEA-192
pcc-cmac-edea        PCC Compute-Last-Block-CMAC-Using-Encrypted-DEA
pcc-cmac-etdea-128   PCC Compute-Last-Block-CMAC-Using-Encrypted-TDEA-128
pcc-cmac-etdea-192   PCC Compute-Last-Block-CMAC-Using-EncryptedTDEA-192
pcc-cmac-aes-128     PCC Compute-Last-Block-CMAC-Using-AES-128
pcc-cmac-aes-192     PCC Compute-Last-Block-CMAC-Using-AES-192
pcc-cmac-aes-256     PCC Compute-Last-Block-CMAC-Using-AES-256
pcc-cmac-eaes-128    PCC Compute-Last-Block-CMAC-Using-Encrypted-AES-128
pcc-cmac-eaes-192    PCC Compute-Last-Block-CMAC-Using-Encrypted-AES-192
pcc-cmac-eaes-256    PCC Compute-Last-Block-CMAC-Using-Encrypted-AES-256
pcc-xts-aes-128      PCC Compute-XTS-Parameter-Using-AES-128
pcc-xts-aes-256      PCC Compute-XTS-Parameter-Using-AES-256
pcc-xts-eaes-128     PCC Compute-XTS-Parameter-Using-Encrypted-AES-128
pcc-xts-eaes-256     PCC Compute-XTS-Parameter-Using-Encrypted-AES-256
pcc-scalar-mult-p256 PCC Scalar-Multiply-P256
pcc-scalar-mult-p384 PCC Scalar-Multiply-P384
pcc-scalar-mult-p521 PCC Scalar-Multiply-P521
pcc-scalar-mult-ed25519 PCC Scalar-Multiply-Ed25519
pcc-scalar-mult-ed448 PCC Scalar-Multiply-Ed448
pcc-scalar-mult-x25519 PCC Scalar-Multiply-X25519
pcc-scalar-mult-x448 PCC Scalar-Multiply-X448
ppno-sha-512-drng    PPNO SHA-512-DRNG
prno-trng-qrtcr      PRNO TRNG-Query-Raw-to-Conditioned-Ratio
prno-trng            PRNO TRNG
kma-gcm-aes-128      KMA GCM-AES-128
kma-gcm-aes-192      KMA GCM-AES-192
kma-gcm-aes-256      KMA GCM-AES-256
kma-gcm-eaes-128     KMA GCM-Encrypted-AES-128
kma-gcm-eaes-192     KMA GCM-Encrypted-AES-192
kma-gcm-eaes-256     KMA GCM-Encrypted-AES-256
kdsa-ecdsa-verify-p256 KDSA ECDSA-Verify-P256
kdsa-ecdsa-verify-p384 KDSA ECDSA-Verify-P384
kdsa-ecdsa-verify-p521 KDSA ECDSA-Verify-P521
kdsa-ecdsa-sign-p256 KDSA ECDSA-Sign-P256
kdsa-ecdsa-sign-p384 KDSA ECDSA-Sign-P384
kdsa-ecdsa-sign-p521 KDSA ECDSA-Sign-P521
kdsa-eecdsa-sign-p256 KDSA Encrypted-ECDSA-Sign-P256
kdsa-eecdsa-sign-p384 KDSA Encrypted-ECDSA-Sign-P384
kdsa-eecdsa-sign-p521 KDSA Encrypted-ECDSA-Sign-P521
kdsa-eddsa-verify-ed25519 KDSA EdDSA-Verify-Ed25519
kdsa-eddsa-verify-ed448 KDSA EdDSA-Verify-Ed448
kdsa-eddsa-sign-ed25519 KDSA EdDSA-Sign-Ed25519
kdsa-eddsa-sign-ed448 KDSA EdDSA-Sign-Ed448
kdsa-eeddsa-sign-ed25519 KDSA Encrypted-EdDSA-Sign-Ed25519
kdsa-eeddsa-sign-ed448 KDSA Encrypted-EdDSA-Sign-Ed448
sortl-sflr           SORTL SFLR
sortl-svlr           SORTL SVLR
sortl-32             SORTL 32 input lists
sortl-128            SORTL 128 input lists
sortl-f0             SORTL format 0 parameter-block
dfltcc-gdht          DFLTCC GDHT
dfltcc-cmpr          DFLTCC CMPR
dfltcc-xpnd          DFLTCC XPND
dfltcc-f0            DFLTCC format 0 parameter-block

Recognized feature groups:
plo                  Perform-locked-operation facility
tods                 Tod-clock-steering facility
gen13ptff            PTFF enhancements introduced with z13
msa                  Message-security-assist facility
msa1                 Message-security-assist-extension 1 facility
msa2                 Message-security-assist-extension 2 facility
msa3                 Message-security-assist-extension 3 facility
msa4                 Message-security-assist-extension 4 facility
msa5                 Message-security-assist-extension 5 facility
msa6                 Message-security-assist-extension 6 facility
msa7                 Message-security-assist-extension 7 facility
msa8                 Message-security-assist-extension 8 facility
msa9                 Message-security-assist-extension 9 facility
msa9_pckmo           Message-security-assist-extension 9 PCKMO subfunctions
mepochptff           PTFF enhancements introduced with Multiple-epoch facility
esort                Enhanced-sort facility
deflate              Deflate-conversion facility
`;
