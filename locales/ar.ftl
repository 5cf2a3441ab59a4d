# نصوص الرسائل والصفحات للمسجّلين، بالعربية (من اليمين إلى اليسار).

## اللغة والتنسيقات

language-name = العربية
date-format = %A %-d %B %Y
time-format = %H:%M
when-same-day = { $date }، من { $start } إلى { $end }
when-several-days = من { $start-date }، { $start }، إلى { $end-date }، { $end }

## الرسائل

greeting = مرحبًا { $name }،
closing = مع أطيب التحيات
signature = فريق المشاركة
please-confirm-subject = يرجى تأكيد تسجيلك: { $title }
please-confirm-thanks = شكرًا لتسجيلك في «{ $title }» ({ $when }).
please-confirm-ask = يرجى تأكيد تسجيلك عبر هذا الرابط. لا تحصل على مقعد إلا بعد التأكيد، أو على مكان في قائمة الانتظار إذا كانت جميع المقاعد محجوزة.
please-confirm-deadline = الرابط صالح حتى { $deadline } ({ $hours ->
        [zero] أقل من ساعة
        [one] ساعة واحدة متبقية
        [two] ساعتان متبقيتان
        [few] { $hours } ساعات متبقية
       *[other] { $hours } ساعة متبقية
    }). إذا لم تؤكد، نحذف التسجيل مع بياناتك.
please-confirm-link = تأكيد التسجيل
please-confirm-not-you = إذا لم تسجّل، فلا داعي لفعل أي شيء.
confirmed-subject = تم تأكيد تسجيلك: { $title }
confirmed-seat = تم تأكيد تسجيلك في «{ $title }»: لقد حُجز لك مقعد ({ $when }).
confirmed-calendar = ستجد الموعد لتقويمك في المرفق. إذا لم تتمكن من الحضور، يرجى إلغاء التسجيل حتى ينتقل مقعدك إلى قائمة الانتظار.
cancel-link = إلغاء التسجيل
waitlisted-subject = أنت في قائمة الانتظار: { $title }
waitlisted-position = جميع المقاعد في «{ $title }» ({ $when }) محجوزة. أنت في قائمة الانتظار في المركز { $position }.
waitlisted-promise = بمجرد أن يتوفر مقعد، ستنتقل إليه تلقائيًا وسنكتب إليك.
waitlist-leave-link = الخروج من قائمة الانتظار
promoted-subject = توفر مقعد: { $title }
promoted-seat = خبر سار: توفر مقعد في «{ $title }» ({ $when }) وانتقلت إليه من قائمة الانتظار. تم تأكيد مشاركتك.
promoted-calendar = ستجد الموعد لتقويمك في المرفق. لإلغاء التسجيل، يرجى استخدام الرابط من رسالتنا الأولى.
cancelled-subject = تم إلغاء تسجيلك: { $title }
cancelled-body = تم إلغاء تسجيلك في «{ $title }» ({ $when }). يمكنك التسجيل من جديد في أي وقت ما دام التسجيل مفتوحًا.
round-changed-subject = تغيّر الموعد: { $title }
round-changed-body = تغيّرت الفعالية «{ $title }» التي سجّلت فيها. ستُقام الآن كما يلي: { $when }.
round-changed-waitlist = ما زلت في قائمة الانتظار في المركز { $position }. سنرسل إليك الموعد لتقويمك بمجرد أن يتوفر لك مقعد.
round-changed-calendar = الموعد المرفق يحل محل الموعد السابق في تقويمك. يبقى تسجيلك ساريًا.
round-cancelled-subject = أُلغيت: { $title }
round-cancelled-body = للأسف أُلغيت الفعالية «{ $title }» ({ $when }). لذلك لم يعد تسجيلك ساريًا؛ سنبلغك إذا تحدد موعد جديد.
calendar-description = تسجيلك في «{ $title }». إذا لم تتمكن من الحضور، يرجى إلغاء التسجيل حتى ينتقل مقعدك إلى قائمة الانتظار.

## الصفحات

page-service = المشاركة
page-language = اللغة
page-round = الفعالية
page-date = التاريخ والوقت
page-venue = المكان
page-venue-none = سيُعلن لاحقًا
page-confirm-title = تأكيد التسجيل
page-confirm-lead = يرجى تأكيد تسجيلك في هذه الفعالية. لا تحصل على مقعد إلا بعد التأكيد.
page-confirm-button = تأكيد التسجيل الآن
page-cancel-title = إلغاء التسجيل
page-cancel-lead = هل تريد إلغاء تسجيلك في هذه الفعالية؟ سينتقل مقعدك عندئذ إلى قائمة الانتظار.
page-cancel-button = إلغاء التسجيل الآن
page-confirmed-title = تم تأكيد تسجيلك
page-confirmed-body = لقد حُجز لك مقعد. سنرسل إليك رسالة بريد إلكتروني فيها الموعد لتقويمك ورابط للإلغاء.
page-waitlisted-title = أنت في قائمة الانتظار
page-waitlisted-body = جميع المقاعد محجوزة. أنت في قائمة الانتظار في المركز { $position }. بمجرد أن يتوفر مقعد، ستنتقل إليه تلقائيًا وسنكتب إليك.
page-already-confirmed-title = تسجيلك مؤكد بالفعل
page-already-confirmed-body = لقد أكدت هذا التسجيل من قبل؛ لا داعي لفعل شيء آخر. أرسلنا إليك الرسالة التي فيها رابط الإلغاء.
page-already-waitlisted-body = لقد أكدت هذا التسجيل من قبل وأنت في قائمة الانتظار في المركز { $position }. لا داعي لفعل شيء آخر.
page-cancelled-title = تم إلغاء تسجيلك
page-cancelled-body = ألغينا تسجيلك وسنرسل إليك تأكيدًا بالبريد الإلكتروني. ما دام التسجيل مفتوحًا، يمكنك التسجيل من جديد في أي وقت.
page-already-cancelled-title = هذا التسجيل ملغى بالفعل
page-already-cancelled-body = لا داعي لفعل شيء آخر. ما دام التسجيل مفتوحًا، يمكنك التسجيل من جديد.
page-not-cancellable-title = لم يعد بالإمكان إلغاء هذا التسجيل
page-not-cancellable-body = تم تسجيل حضورك بالفعل. إذا كانت لديك أسئلة، يرجى مراسلتنا.
page-expired-title = انتهت صلاحية هذا الرابط
page-expired-body = انتهت مهلة التأكيد، وحذفنا التسجيل مع بياناتك. يرجى التسجيل من جديد ما دام التسجيل مفتوحًا.
page-unknown-title = هذا الرابط غير صالح أو منتهي الصلاحية
page-unknown-body = لا يوجد تسجيل مفتوح لهذا الرابط: إما أنه غير مكتمل، أو استُخدم من قبل، أو انتهت مهلة التأكيد وحُذف التسجيل. يرجى التحقق من أنك فتحت الرابط كاملًا من الرسالة، أو سجّل من جديد.
page-closed-title = التسجيل مغلق
page-closed-body = لم نعد نقبل التسجيلات في هذه الفعالية.
page-bad-request-title = النموذج غير مكتمل
page-bad-request-body = يرجى فتح الرابط من الرسالة مرة أخرى وإرسال النموذج من هناك.
page-busy-title = طلبات كثيرة جدًا
page-busy-body = يرجى المحاولة مرة أخرى بعد دقيقة.
page-contact = هل لديك أسئلة؟ اكتب إلى { $contact }.
page-contact-none = إذا كانت لديك أسئلة، يرجى التواصل مع الفريق الذي دعاك.
